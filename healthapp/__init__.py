"""healthapp: a self-hostable health log for people living with diabetes and high blood pressure."""
