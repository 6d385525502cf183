"""Which comments wait for a moderator and what moderators decide: the pipeline that gives a
new or edited comment its status, the allowed status changes and their record, the queues,
the decisions, bans, the moderator's role, the spam service and the overview; and what the
article's people decide about labelled comments: corrections accepted or declined, questions
answered."""
