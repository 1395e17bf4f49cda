"""Who can be reached: contacts, their import, and segments of them. Knows nothing of campaigns,
channels' providers or the web; it may use ``campaign.kernel``, ``campaign.store`` and
``campaign.events``."""
