"""People: users, their memberships (roles), sign-up, login sessions, invitations."""
