"""WTO ePing API: SPS and TBT notifications (regulations that affect trade in products).

Our own thin client on `requests` (`client`, through the shared retry loop of
`observatory.sources.http`), the API's names and limits (`settings`), and the resources that
fill `raw.eping_notifications` and `raw.eping_notification_products` (`resources`): symbol
parsing (addenda, corrigenda and revisions linked to their base notification), plain-text
fields, HS codes, member names mapped to ISO3, and the incremental window by distribution
date. Which members to follow is the caller's choice; nothing here names a home country.
"""
