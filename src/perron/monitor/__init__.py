"""Perception monitor (Stationsbelevingsmonitor): survey responses, weighted station scores,
evening safety and the list of stations below 6.0."""
