-- The work list in its order without a sort: the overdue CTAs (found by
-- due date among those still to do), then every CTA not closed by
-- priority, due date and id.
CREATE INDEX ctas_work ON ctas (priority, due_on, id) WHERE status <> 'closed';
CREATE INDEX ctas_due ON ctas (due_on) WHERE status IN ('open', 'in_progress');
