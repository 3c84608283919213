/**
 * Built-in loss plugins. Each file in this folder is one plugin; list it here to register it.
 * @module
 */
import type { PluginDefinition } from "../../core/contracts/base.ts";
import { softmaxLoss } from "./softmax.ts";
import { amSoftmaxLoss } from "./am_softmax.ts";
import { aamSoftmaxLoss } from "./aam_softmax.ts";
import { realAmSoftmaxLoss } from "./real_am_softmax.ts";
import { contrastiveLoss } from "./contrastive.ts";
import { tripletLoss } from "./triplet.ts";
import { mnrlLoss } from "./mnrl.ts";
import { matryoshkaLoss } from "./matryoshka.ts";
import { langInvariantMseLoss } from "./lang_invariant_mse.ts";
import { domainAdversarialLoss } from "./domain_adversarial.ts";
import { ckmLoss } from "./ckm.ts";
import { kshotRbfLoss } from "./kshot_rbf.ts";
import { reconstructionMseLoss } from "./reconstruction_mse.ts";

/** Every built-in plugin of this kind. */
export const plugins: PluginDefinition[] = [
  softmaxLoss,
  amSoftmaxLoss,
  aamSoftmaxLoss,
  realAmSoftmaxLoss,
  contrastiveLoss,
  tripletLoss,
  mnrlLoss,
  matryoshkaLoss,
  langInvariantMseLoss,
  domainAdversarialLoss,
  ckmLoss,
  kshotRbfLoss,
  reconstructionMseLoss,
];
