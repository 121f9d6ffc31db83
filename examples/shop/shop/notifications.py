"""Customer notifications (an e-mail gateway in production; logged here)."""
import logging

log = logging.getLogger("shop.notifications")


async def notify_cancelled(customer_id: int, order_id: int) -> None:
    log.info("order %s of customer %s was cancelled", order_id, customer_id)
