-- Citus distributes tables one at a time, and a table's foreign keys must point at tables
-- already distributed (or reference tables): notes and note_versions pointed at each other,
-- so neither could go first. note_versions keeps its key to its note (a version belongs to a
-- note); the note's pointers at its current and signed versions become one deferred
-- constraint trigger that asks the same question at commit, in the note's own tenant (so
-- Citus answers it from the note's shard). One constraint per ALTER, as Citus requires.
ALTER TABLE notes DROP CONSTRAINT notes_tenant_id_id_current_version_fkey;
ALTER TABLE notes DROP CONSTRAINT notes_tenant_id_id_signed_version_fkey;

CREATE FUNCTION check_note_points_at_own_version() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS $$
BEGIN
    IF NOT EXISTS (SELECT FROM note_versions v
                    WHERE v.tenant_id = NEW.tenant_id AND v.note_id = NEW.id AND v.version = NEW.current_version) THEN
        RAISE EXCEPTION 'note % has no version %', NEW.id, NEW.current_version
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'notes_current_version_exists';
    END IF;
    IF NEW.signed_version IS NOT NULL
       AND NOT EXISTS (SELECT FROM note_versions v
                        WHERE v.tenant_id = NEW.tenant_id AND v.note_id = NEW.id AND v.version = NEW.signed_version) THEN
        RAISE EXCEPTION 'note % has no version % to be signed', NEW.id, NEW.signed_version
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'notes_signed_version_exists';
    END IF;
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION check_note_points_at_own_version() FROM PUBLIC;

-- Deferred like the keys it replaces: a note and its first version are written in one
-- transaction, the note first.
CREATE CONSTRAINT TRIGGER notes_point_at_own_version
    AFTER INSERT OR UPDATE OF current_version, signed_version ON notes
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION check_note_points_at_own_version();

-- The login lookup names the organisation's tenant first, then reads that tenant's users with
-- it: on Citus the second statement goes to one shard, where a join on the slug would ask
-- every shard. tenants stays whole on every node (a reference table: one row per clinic,
-- its slug unique across them); see docs/scaling.md.
GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION auth_login_lookup(organization_slug text, user_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, role text, active boolean, password_hash text)
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    organization uuid;
BEGIN
    SELECT t.tenant_id INTO organization FROM public.tenants t WHERE t.slug = organization_slug;
    IF organization IS NULL THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT u.id, u.tenant_id, u.role, u.active, u.password_hash
      FROM public.users u
     WHERE u.tenant_id = organization
       AND u.email = lower(user_email)
       AND u.active
     LIMIT 1;
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;
