-- An invitation grants a role by id (custom roles can be renamed between invite and acceptance).
ALTER TABLE invitations DROP COLUMN role_name;
ALTER TABLE invitations ADD COLUMN role_id uuid NOT NULL REFERENCES roles (id) ON DELETE CASCADE;
