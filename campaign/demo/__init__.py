"""Demo data: synthetic contacts, the measures of two real 2020 announcements, a campaign."""
