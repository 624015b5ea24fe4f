/**
 * Defaults for every setting, in one place. Components take these as defaults of their `init`
 * argument; configuration overrides them. Each subsystem keeps its own section.
 */

// ---- blob layer ------------------------------------------------------------------------------

/** Largest blob accepted, checked before hashing (BLOBS.md). */
export const MAX_BLOB_BYTES = 2 * 1024 * 1024;

// ---- store -----------------------------------------------------------------------------------

// ---- index / api -----------------------------------------------------------------------------

// ---- sync / net ------------------------------------------------------------------------------
