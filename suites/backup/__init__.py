"""golive's backup checks and the disaster-recovery drill."""
