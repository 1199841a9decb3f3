"""The Locust journeys golive's performance suite runs, shipped in golive's wheel as the
package ``golive.load`` (setup.py maps this folder; golive/probe/locust.py finds it through
importlib.resources). Locust runs each file by its path: nothing imports this package."""
