DROP TABLE community_profile_versions;
DROP TABLE community_profiles;
DROP TABLE assistance_reviews;
DROP TABLE household_investigations;
