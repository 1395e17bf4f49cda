"""The catalogue of support measures and vaccination information: model, rows, and the service
that checks, stores and announces them."""

from campaign.measures.model import Level, Measure, MeasureDraft, MeasureStatus, Texts
from campaign.measures.service import Catalogue

__all__ = ["Catalogue", "Level", "Measure", "MeasureDraft", "MeasureStatus", "Texts"]
