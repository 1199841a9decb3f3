"""golive watch: the checks of the first hour after go-live (run through `golive watch`)."""
