-- Search tokens are keyed by station since 000007 and every search reads them through the primary
-- key (token, person_id); this second index on (token, org_code, person_id) was only written,
-- never read: one of three B-trees written for every token on import (docs/benchmarks.md).
DROP INDEX person_search_tokens_scope;

-- Pinyin tokens spell ü as v and ê as e, as people type them (吕 `lv`); earlier tokens kept the
-- letters of the pinyin tables, which no keyboard search could reach.
UPDATE person_search_tokens SET token = replace(replace(token, 'ü', 'v'), 'ê', 'e')
WHERE token LIKE '%|p:%' AND (token LIKE '%ü%' OR token LIKE '%ê%');
