"""Registers the household import (`import_data households`) with the import framework."""

from lvzhi.households.loading import HouseholdImporter

__all__ = ["HouseholdImporter"]
