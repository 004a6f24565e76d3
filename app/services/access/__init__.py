"""Who is calling and what they may do: API keys, their use, and the projects they belong to."""
