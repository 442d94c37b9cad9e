-- Search tokens keyed by station (`430202001|p:zhangsan`): a search reads only the tokens of the
-- stations in the viewer's scope instead of every token with the same prefix in the deployment
-- (docs/benchmarks.md, person search).
UPDATE person_search_tokens SET token = substr(org_code, 1, 9) || '|' || token;
