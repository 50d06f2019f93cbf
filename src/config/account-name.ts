/**
 * An account name: 1 to 32 of a-z, 0-9 and _. `previous` and names ending in `_previous` are
 * not accounts: `TENCENT_MEETING_TOKEN_PREVIOUS` and `…_ACME_PREVIOUS` hold the previous value
 * of a credential being rotated. (No imports: `npm run send` checks its `--account` with it.)
 */
export const ACCOUNT_PATTERN = /^(?!(?:[a-z0-9_]*_)?previous$)[a-z0-9_]{1,32}$/;
