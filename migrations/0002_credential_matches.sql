-- Accepted callbacks per hour, provider, account and the credential that verified them
-- (`previous` while a `_PREVIOUS` secret is set during a rotation). Only `previous` matches
-- are counted today, so steady state writes nothing here.
CREATE TABLE credential_matches (
  hour INTEGER NOT NULL,
  provider TEXT NOT NULL,
  account TEXT NOT NULL,
  credential TEXT NOT NULL CHECK (credential IN ('current', 'previous')),
  count INTEGER NOT NULL,
  PRIMARY KEY (hour, provider, account, credential)
) WITHOUT ROWID;
