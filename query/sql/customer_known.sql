-- Whether the customer has any inventory at all: an unknown customer is a
-- 404, a known one with nothing in the window an empty series.
SELECT count() > 0 AS known
FROM {db:Identifier}.ucm_cluster_syncs
WHERE customer_id = {customer_id:String}
