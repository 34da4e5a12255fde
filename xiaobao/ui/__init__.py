"""Page and API helpers the domain apps share: the base form and multi-file field, the reference outputs of the
API, the shape of an action on a business object's page and in the API, and the sentence shown for a refusal.

A layer of its own just above core and below the workflow and every domain app (pyproject.toml's layering
contract): it imports core, Django and DRF only, so any app may build its pages and API on it. It decides no
rule: the services decide, and these helpers only show what they said.
"""
