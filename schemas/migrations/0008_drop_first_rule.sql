-- license_usage_daily held the first classification rule's figures; the
-- Flex tables of migration 0003 replaced it and nothing writes or reads it.
{{dropTable "license_usage_daily"}}
