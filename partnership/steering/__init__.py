"""The joint steering committee's machinery: escalation paths with deadlines, trade-off
priorities, meetings with a generated agenda, the decisions register, and the coach's
portfolio of partnerships."""
