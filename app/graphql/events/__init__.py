"""The history: `Query.events` and `Subscription.events`."""
