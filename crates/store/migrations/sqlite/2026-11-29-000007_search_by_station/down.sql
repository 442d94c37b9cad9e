UPDATE person_search_tokens SET token = substr(token, 11) WHERE token LIKE '_________|%';
