GRANT soapstone_auth TO CURRENT_USER;
CREATE OR REPLACE FUNCTION auth_login_lookup(organization_slug text, user_email text)
    RETURNS TABLE (user_id uuid, tenant_id uuid, role text, active boolean, password_hash text)
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    SELECT u.id, u.tenant_id, u.role, u.active, u.password_hash
      FROM public.tenants t
      JOIN public.users u ON u.tenant_id = t.tenant_id
     WHERE t.slug = organization_slug
       AND u.email = lower(user_email)
       AND u.active
     LIMIT 1;
END
$$;
REVOKE soapstone_auth FROM CURRENT_USER;

DROP TRIGGER notes_point_at_own_version ON notes;
DROP FUNCTION check_note_points_at_own_version();
ALTER TABLE notes ADD CONSTRAINT notes_tenant_id_id_current_version_fkey FOREIGN KEY (tenant_id, id, current_version)
    REFERENCES note_versions (tenant_id, note_id, version) DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE notes ADD CONSTRAINT notes_tenant_id_id_signed_version_fkey FOREIGN KEY (tenant_id, id, signed_version)
    REFERENCES note_versions (tenant_id, note_id, version) DEFERRABLE INITIALLY DEFERRED;
