DROP FUNCTION soapstone_advance_note(uuid, uuid, uuid, text, int[], text[], text, text, text, text, uuid, text,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb);
DROP FUNCTION soapstone_search_patients(uuid, uuid, boolean, uuid, int, text, text, text, boolean,
    text, text, text, uuid, uuid, inet, text, text, text, jsonb);
DROP FUNCTION soapstone_read_patient(uuid, uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb);
DROP FUNCTION soapstone_record_audit(uuid, uuid, text, text, text, uuid, uuid, inet, text, text, text, jsonb);
