"""The review-and-correct app: a local web app over the contact store (``cardscan app``)."""
