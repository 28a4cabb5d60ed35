"""The food model's evaluation set and the decision rules' report (`python -m bench.food_eval`)."""
