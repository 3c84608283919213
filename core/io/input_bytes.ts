/**
 * The bytes of an input file for the binary and text readers (RTTM, UEM, Kaldi PLDA, .npz, HDF5): a
 * missing or unreadable file is an InputError naming the file, what it was read as, and the OS's reason.
 * @module
 */
import { InputError } from "../errors.ts";

/** The file's bytes; `what` names the format in the error ("cannot read <what>: <reason>"). */
export async function readInputBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    throw new InputError(path, `cannot read ${what}: ${(e as Error).message}`);
  }
}
