"""EU RASFF food and feed notifications, read from the RASFF Window's export files.

`resources.read_notifications(path)` gives the notifications and their origins (with
duplicates dropped and names mapped to ISO3); `resources.notifications_for_origin` applies
the attribution rule (a country's notifications are those naming it among their ORIGINS);
`resources.map_to_hs` maps notifications to HS prefixes through the editable table
`data/category_hs_map.csv`.
"""
