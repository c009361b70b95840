"""Who is calling the notifier for their own messages: an intake account, or a reviewer.

Reviewers are not intake accounts: review invites them with a token, which the reviewer pages
keep in a cookie. The notifier asks intake first (``role()``, as every service does) and then
review (``Callers(reviewers=True)``), and knows a reviewer as ``reviewer:<id>``, the person its
``review.assigned`` messages are for. Everything else a person does here is the same for both."""

from typing import Annotated

from fastapi import Depends, Request

from services.common.callers import Caller, Callers, signed_in


async def recipient(request: Request) -> Caller:
    accounts: Callers = request.app.state.callers
    caller = await accounts.identify(request)
    if caller is None:
        reviewers: Callers = request.app.state.reviewer_callers
        caller = await reviewers.identify(request)
    return signed_in(caller)


Recipient = Annotated[Caller, Depends(recipient)]
"""The caller reading or choosing their own messages: an account or a reviewer."""
