from services.handler.texts import Catalogue

_COMMANDS = (
    "/register — добавить турнир\n"
    "/result — ввести результат турнира\n"
    "/tournaments — последние турниры\n"
    "/stats — прибыль, ROI и ITM\n"
    "/cancel — отменить текущее действие\n"
    "/help — этот список"
)
_REGISTER_FORMAT = "Название | ДД.ММ.ГГГГ | бай-ин | место\nНапример: Sunday Major | 02.03.2025 | 100 | Casino Royal"
_RESULT_FORMAT = "место | выплата, например: 3 | 850 (без призовых: 57 | 0)"

RU = Catalogue(
    start=(
        "Привет! Я веду учёт ваших покерных турниров: регистрируйте их, вносите результаты "
        "и смотрите прибыль, ROI и ITM.\n\n" + _COMMANDS
    ),
    help="Что я умею:\n" + _COMMANDS,
    short_help="Я не понял сообщение. Вот что я умею:\n" + _COMMANDS,
    unknown_command="Я не знаю команду {command}.\n\n" + _COMMANDS,
    unsupported_message="Пока я понимаю только текстовые сообщения.\n\n" + _COMMANDS,
    register_prompt="Отправьте турнир одной строкой:\n" + _REGISTER_FORMAT + "\n\n/cancel — отмена.",
    register_saved=(
        "Турнир зарегистрирован ✅\n{name}\n📅 {date}\n💵 Бай-ин: {buy_in}\n📍 {venue}\n\n"
        "После игры отправьте /result, чтобы внести результат."
    ),
    register_bad_format="Нужно четыре части через |:\n" + _REGISTER_FORMAT,
    register_bad_name="Название должно быть от 1 до 100 символов.\n" + _REGISTER_FORMAT,
    register_bad_date=(
        "«{value}» — не подходящая дата. Пишите ДД.ММ.ГГГГ, например 02.03.2025.\n"
        + _REGISTER_FORMAT
    ),
    register_bad_buy_in=(
        "«{value}» — не сумма бай-ина. Напишите сумму, например 100 или 52.50.\n"
        + _REGISTER_FORMAT
    ),
    register_negative_buy_in="Бай-ин не может быть отрицательным (вы написали {value}).\n" + _REGISTER_FORMAT,
    register_bad_venue="Место проведения должно быть от 1 до 100 символов.\n" + _REGISTER_FORMAT,
    result_none_pending="Нет турниров без результата. Добавьте турнир командой /register.",
    result_pick="Какой турнир? Нажмите на него:",
    result_pick_first="Сначала нажмите на кнопку турнира выше или отправьте /cancel.",
    result_ask="{name} ({date})\nОтправьте результат: " + _RESULT_FORMAT + "\n\n/cancel — отмена.",
    result_bad_format="Отправьте результат так: " + _RESULT_FORMAT,
    result_bad_place="«{value}» — не место. Место — целое число от 1, " + _RESULT_FORMAT,
    result_bad_payout="«{value}» — не сумма. Отправьте " + _RESULT_FORMAT,
    result_negative_payout="Выплата не может быть отрицательной (вы написали {value}). Отправьте " + _RESULT_FORMAT,
    result_saved=(
        "Результат сохранён ✅\n{name} ({date})\n🏆 Место: {place}\n💰 Выплата: {payout}\n"
        "💵 Бай-ин: {buy_in}\n📈 Прибыль: {profit}\n📊 ROI: {roi}"
    ),
    result_already="У турнира {name} уже есть результат. Отправьте /result, чтобы выбрать другой.",
    tournament_unavailable="Этот турнир недоступен. Отправьте /result, чтобы увидеть список.",
    button_ok="OK",
    tournaments_empty="У вас пока нет турниров. Добавьте турнир командой /register.",
    tournaments_header="Ваши последние турниры:",
    tournament_line_finished="{date} {name} ({venue}) — бай-ин {buy_in}, место {place}, выплата {payout}, прибыль {profit}",
    tournament_line_pending="{date} {name} ({venue}) — бай-ин {buy_in}, результата пока нет",
    stats_empty="Результатов пока нет: зарегистрируйте турнир командой /register и внесите результат через /result.",
    stats=(
        "Ваша статистика\n🎲 Сыграно турниров: {played}\n⏳ Ждут результата: {pending}\n"
        "💵 Всего бай-инов: {buy_ins}\n💰 Всего выплат: {payouts}\n📈 Прибыль: {profit}\n"
        "📊 ROI: {roi}\n🎯 ITM: {itm}"
    ),
    cancelled="Отменено. Сейчас ничего не выполняется.",
    nothing_to_cancel="Отменять нечего: ничего не выполнялось.",
)
