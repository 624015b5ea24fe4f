/**
 * Branded IDs and domain types shared across subsystems. A brand keeps an account ID from being
 * passed where a CID string is expected; values get their brand only from the parser that checked
 * them (see src/blob).
 */

declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** Account ID: base58btc multibase of the 34-byte Ed25519 principal, `z6Mk…`. */
export type AccountId = Brand<string, 'AccountId'>;
/** A CID in its canonical string form (base32 `b…` for CIDv1). */
export type CidString = Brand<string, 'CidString'>;
/** A principal: multicodec-prefixed public key bytes (`0xed 0x01` + 32 bytes for Ed25519). */
export type Principal = Brand<Uint8Array, 'Principal'>;

/** Write classes of the writer's admission queue, in priority order (DESIGN §3). */
export type WriteClass = 'interactive' | 'sync' | 'background';
