-- An action the probe took but the platform did not confirm (a like whose
-- acknowledgement never came): it may never have reached the platform, so
-- training history counts only actions with unconfirmed = 0.
ALTER TABLE actions ADD COLUMN unconfirmed INTEGER NOT NULL DEFAULT 0;
