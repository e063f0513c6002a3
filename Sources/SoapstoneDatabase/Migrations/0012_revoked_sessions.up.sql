-- Ending a session ends its access tokens too, on every server instance, within moments.
-- Access tokens name their session (the refresh token family); revoking a family publishes it
-- on the channel soapstone_revocations (pg_notify, in the revoking transaction, so only a
-- committed revocation is heard), and every instance listens and refuses that session's
-- tokens until they would have expired anyway. An instance that starts or reconnects asks,
-- through this function, which sessions ended within an access token's lifetime (by the
-- database's clock, which stamped revoked_at).
--
-- Like the login lookup it runs before any tenant is known, across tenants, as soapstone_auth,
-- which may read two columns of refresh_tokens for it and nothing else of them.
GRANT SELECT (family_id, revoked_at) ON refresh_tokens TO soapstone_auth;
CREATE POLICY revoked_sessions ON refresh_tokens FOR SELECT TO soapstone_auth USING (true);

CREATE FUNCTION auth_revoked_sessions(within_seconds integer) RETURNS SETOF uuid
    LANGUAGE plpgsql
    STABLE
    SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT DISTINCT family_id FROM public.refresh_tokens WHERE revoked_at >= now() - make_interval(secs => within_seconds);
END
$$;
REVOKE ALL ON FUNCTION auth_revoked_sessions(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_revoked_sessions(integer) TO soapstone_app;

GRANT soapstone_auth TO CURRENT_USER;
GRANT CREATE ON SCHEMA public TO soapstone_auth;
ALTER FUNCTION auth_revoked_sessions(integer) OWNER TO soapstone_auth;
REVOKE CREATE ON SCHEMA public FROM soapstone_auth;
REVOKE soapstone_auth FROM CURRENT_USER;
