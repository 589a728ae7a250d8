-- Whether the session began with a second factor: a refreshed access token must say so as the first one did
-- (it used to drop the "mfa" method on the first refresh, so an MFA-required organization refused the session).
ALTER TABLE sessions ADD COLUMN used_second_factor boolean NOT NULL DEFAULT false;
