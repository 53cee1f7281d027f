"""The gateway's user-facing texts, one catalogue per language.

Only two: what a user who sends too much too fast is told (see ``flood.py``).  Like the
handler's catalogues (``services/handler/texts``), Russian for a ``ru*`` language code and
English otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

# answerCallbackQuery shows at most 200 characters.
CALLBACK_TEXT_MAX = 200


@dataclass(frozen=True)
class GatewayTexts:
    flood_message: str  # sent to the chat, at most once per FLOOD_NOTICE_SECONDS
    flood_callback: str  # the answer to a button press that was skipped

    def __post_init__(self) -> None:
        if not 1 <= len(self.flood_callback) <= CALLBACK_TEXT_MAX:
            raise ValueError("flood_callback must be 1-200 characters")


EN = GatewayTexts(
    flood_message=(
        "You're sending messages too fast — I skipped some. "
        "Please wait a few seconds and send the last one again."
    ),
    flood_callback="Too fast — please wait a few seconds and tap again.",
)

RU = GatewayTexts(
    flood_message=(
        "Вы отправляете сообщения слишком быстро — часть я пропустил. "
        "Подождите несколько секунд и отправьте последнее ещё раз."
    ),
    flood_callback="Слишком быстро — подождите несколько секунд и нажмите ещё раз.",
)


def texts_for(language_code: str | None) -> GatewayTexts:
    """Russian for ``ru`` (and its regional variants), English otherwise."""
    return RU if (language_code or "").lower().split("-")[0] == "ru" else EN
