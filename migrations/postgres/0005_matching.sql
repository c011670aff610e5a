-- Matching inbound mail looks members and suppressions up by address in any letter case,
-- and a member's deliveries by member: indexes for the three.
CREATE INDEX members_email_lower ON members (LOWER(email));
CREATE INDEX suppressions_email_lower ON suppressions (LOWER(email));
CREATE INDEX deliveries_member ON deliveries (member_id, purpose);
