"""E-ticket gate (`terminals gate`): green or red at an entrance, online and offline."""
