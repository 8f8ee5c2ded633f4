-- Same as migrations/sqlite/0012_user_language.sql (the types are the same in PostgreSQL).
-- The language a user's dashboard opens in and their emails are written in
-- (NULL: the instance's GATEHOUSE_LANGUAGE, or the browser's).
ALTER TABLE users ADD COLUMN language TEXT CHECK (language IN ('en', 'it'));
