/**
 * A WordPiece vocabulary trained on a corpus, saved as a Hugging Face `tokenizer.json` that
 * transformers.js (and the Rust `tokenizers`) load. Training follows Hugging Face's WordPieceTrainer:
 * BPE merges over words, continuation pieces prefixed with `##`, most frequent pair first (ties: the
 * pair seen first), until the vocabulary is full or no pair occurs `minFrequency` times. Encoding is
 * WordPiece's greedy longest match, done by @huggingface/tokenizers (the library transformers.js
 * uses), so training-time ids are the ids the exported model gets. Normalisation and pre-tokenisation
 * are BERT's (BertNormalizer: clean text, CJK spacing, lower-case, strip accents; BertPreTokenizer:
 * split on whitespace and punctuation), taken from the same library.
 * @module
 */
import { BertNormalizer, BertPreTokenizer, Tokenizer } from "@huggingface/tokenizers";

/** Options of {@link trainWordPiece}. */
export interface WordPieceOptions {
  /** Target vocabulary size, special tokens included. */
  readonly vocabSize: number;
  /** Pairs (and characters) seen fewer times are not merged (default 2). */
  readonly minFrequency?: number;
  /** Special tokens, first in the vocabulary (default [PAD], [UNK]). */
  readonly specialTokens?: readonly string[];
  /** Keep at most this many distinct characters, the most frequent (default 1000). */
  readonly limitAlphabet?: number;
}

const NORMALIZER = {
  type: "BertNormalizer",
  clean_text: true,
  handle_chinese_chars: true,
  strip_accents: null,
  lowercase: true,
} as const;

/** Normalised, pre-tokenised words of a text, exactly as the saved tokenizer sees them. */
export function bertWords(): (text: string) => string[] {
  const norm = new BertNormalizer(NORMALIZER as never);
  const pre = new BertPreTokenizer();
  return (text) => pre.pre_tokenize_text(norm.normalize(text)) as string[];
}

/** Word frequencies of a corpus. */
export function countWords(texts: Iterable<string>): Map<string, number> {
  const split = bertWords(), counts = new Map<string, number>();
  for (const t of texts) for (const w of split(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** The vocabulary (index = token id) trained from word counts. */
export function trainWordPiece(counts: Map<string, number>, o: WordPieceOptions): string[] {
  const minF = o.minFrequency ?? 2, specials = o.specialTokens ?? ["[PAD]", "[UNK]"];
  // alphabet: the most frequent characters (ties: code point order)
  const chars = new Map<string, number>();
  for (const [w, c] of counts) for (const ch of w) chars.set(ch, (chars.get(ch) ?? 0) + c);
  const alphabet = [...chars].filter(([, c]) => c >= 1).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, o.limitAlphabet ?? 1000).map(([ch]) => ch);
  const allowed = new Set(alphabet);
  const symbols: string[] = [], symId = new Map<string, number>();
  const intern = (s: string) => {
    let id = symId.get(s);
    if (id === undefined) symId.set(s, id = symbols.push(s) - 1);
    return id;
  };
  for (const ch of [...alphabet].sort()) intern(ch);
  for (const ch of [...alphabet].sort()) intern("##" + ch);
  // words as symbol sequences (words with a character outside the alphabet are left out)
  const words: number[][] = [], freq: number[] = [];
  for (const [w, c] of counts) {
    const cs = [...w];
    if (!cs.every((ch) => allowed.has(ch))) continue;
    words.push(cs.map((ch, i) => intern(i ? "##" + ch : ch)));
    freq.push(c);
  }
  const K = 1 << 21; // symbol ids stay below 2^21: a pair key is a * K + b
  const pairCount = new Map<number, number>(), where = new Map<number, Set<number>>();
  const addPairs = (wi: number, sign: number) => {
    const s = words[wi];
    for (let i = 0; i + 1 < s.length; i++) {
      const key = s[i] * K + s[i + 1];
      pairCount.set(key, (pairCount.get(key) ?? 0) + sign * freq[wi]);
      if (sign > 0) {
        let ws = where.get(key);
        if (!ws) where.set(key, ws = new Set());
        ws.add(wi);
      }
    }
  };
  for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);
  // max-heap of [count, key] with lazy deletion
  const heap: [number, number][] = [];
  const better = (a: [number, number], b: [number, number]) => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);
  const push = (e: [number, number]) => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!better(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const pop = () => {
    const top = heap[0], last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      for (let i = 0;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && better(heap[l], heap[m])) m = l;
        if (r < heap.length && better(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };
  for (const [k, c] of pairCount) push([c, k]);
  while (specials.length + symbols.length < o.vocabSize && heap.length) {
    const [c, key] = pop();
    if (pairCount.get(key) !== c) continue; // stale entry
    if (c < minF) break;
    const a = Math.floor(key / K), b = key % K;
    const merged = intern(symbols[a] + symbols[b].replace(/^##/, ""));
    const touched = new Set<number>();
    for (const wi of where.get(key) ?? []) {
      const s = words[wi];
      let has = false;
      for (let i = 0; i + 1 < s.length; i++) if (s[i] === a && s[i + 1] === b) has = true;
      if (!has) continue;
      addPairs(wi, -1);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(merged);
          i++;
        } else out.push(s[i]);
      }
      words[wi] = out;
      addPairs(wi, 1);
      for (let i = 0; i + 1 < out.length; i++) touched.add(out[i] * K + out[i + 1]);
    }
    pairCount.delete(key);
    where.delete(key);
    for (const t of touched) {
      const n = pairCount.get(t);
      if (n) push([n, t]);
    }
  }
  return [...specials, ...symbols.filter((s) => !specials.includes(s))].slice(
    0,
    Math.max(o.vocabSize, specials.length),
  );
}

/** The `tokenizer.json` of a WordPiece vocabulary: BERT normalisation, no special tokens added. */
export function wordPieceTokenizerJson(
  vocab: readonly string[],
  specials = ["[PAD]", "[UNK]"],
): Record<string, unknown> {
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: specials.map((content) => ({
      id: vocab.indexOf(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: NORMALIZER,
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: null,
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
    },
  };
}

/** `tokenizer_config.json` for transformers.js / transformers (no [CLS]/[SEP] are added). */
export function tokenizerConfigJson(maxLength: number): Record<string, unknown> {
  return {
    tokenizer_class: "PreTrainedTokenizerFast",
    do_lower_case: true,
    model_max_length: maxLength,
    pad_token: "[PAD]",
    unk_token: "[UNK]",
    clean_up_tokenization_spaces: true,
  };
}

/** A loaded tokenizer: ids of texts without special tokens, truncated to `maxLength`. */
export interface TextTokenizer {
  readonly vocabSize: number;
  readonly json: Record<string, unknown>;
  encode(text: string, maxLength?: number): Int32Array;
}

/** Wraps a tokenizer.json object with @huggingface/tokenizers. */
export function loadTokenizer(
  json: Record<string, unknown>,
  config = tokenizerConfigJson(512),
): TextTokenizer {
  const tok = new Tokenizer(json as never, config as never);
  const vocabSize = Object.keys((json.model as { vocab: object }).vocab).length;
  return {
    vocabSize,
    json,
    encode(text, maxLength = Infinity) {
      const ids = tok.encode(text, { add_special_tokens: false }).ids;
      return Int32Array.from(ids.length > maxLength ? ids.slice(0, maxLength) : ids);
    },
  };
}
