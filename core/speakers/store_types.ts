/**
 * The types of the speaker store's API (core/speakers/store.ts): enrollment items and results, speaker
 * rows, search matches and options, and the hook tests use to crash mid-enrollment.
 * @module
 */

/** One enrollment utterance. */
export interface EnrollItem {
  /** sha256 of the audio file's bytes. */
  readonly audioSha256: string;
  /** Where it came from (file path as given). */
  readonly source: string;
  /** Duration in seconds (informational). */
  readonly seconds?: number;
  readonly embedding: Float32Array;
}

/** What an enrollment did. */
export interface EnrollResult {
  readonly name: string;
  readonly role: SpeakerRole;
  /** Utterances added now. */
  readonly added: number;
  /** Utterances skipped because this speaker already had the same audio. */
  readonly duplicates: number;
  /** Utterances the speaker's model vector now averages. */
  readonly utterances: number;
}

/** 'enrolled' speakers are searched; 'cohort' speakers only feed score normalisation. */
export type SpeakerRole = "enrolled" | "cohort";

/** A speaker as listed. */
export interface SpeakerInfo {
  readonly name: string;
  readonly role: SpeakerRole;
  readonly utterances: number;
  readonly modelSha256: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A search hit: a speaker and its cosine score. */
export interface Match {
  readonly name: string;
  readonly score: number;
  readonly utterances: number;
  /** The speaker's model vector (when asked for). */
  readonly model?: Float32Array;
}

/** Search options. */
export interface SearchOptions {
  /** HNSW candidate list size (pgvector `hnsw.ef_search`, default 100; raised to k when smaller). */
  readonly efSearch?: number;
  /** Exact search (sequential scan) instead of the HNSW index. */
  readonly exact?: boolean;
  /** Also return each hit's model vector (AS-norm needs it). */
  readonly withVectors?: boolean;
}

/** Called after a speaker's rows and model are written, before the transaction commits (tests crash here). */
export type StoredHook = (name: string, rows: number) => void | Promise<void>;
