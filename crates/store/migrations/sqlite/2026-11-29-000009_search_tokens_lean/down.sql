CREATE INDEX person_search_tokens_scope ON person_search_tokens(token, org_code, person_id);
