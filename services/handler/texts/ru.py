from services.handler.domain.csv_io import FileError, RowProblem
from services.handler.domain.parsing import ErrorCode
from services.handler.domain.records import Format, Game
from services.handler.texts import Catalogue

_COMMANDS = (
    "/register — добавить турнир (или просто пришлите фото билета)\n"
    "/result — ввести результат турнира\n"
    "/edit — изменить турнир или его результат\n"
    "/delete — удалить результат или турнир\n"
    "/tournaments — последние турниры\n"
    "/stats — прибыль, ROI, ITM (/stats 30d, /stats 2025, /stats venue, /stats format)\n"
    "/graph — график прибыли\n"
    "/export — все турниры файлом CSV (пришлите его обратно, чтобы импортировать)\n"
    "/venue — текущая площадка; /setvenue <название> — задать её\n"
    "/reminders — напоминание внести результат (выкл, 6ч, 12ч, 24ч)\n"
    "/cancel — отменить текущее действие\n"
    "/help — этот список"
)
_REGISTER_FORMAT = (
    "Название | ДД.ММ.ГГГГ | бай-ин | место\n"
    "Например: Sunday Major | 02.03.2025 | 100+10 | Casino Royal\n"
    "(100+10 — бай-ин + комиссия; можно добавить игру и формат: … | PLO | bounty)"
)
_RESULT_FORMAT = "место | выплата, например: 3 | 850 (без призовых: 57 | 0; с баунти: 3 | 850 | 120)"
_EDIT_HELP = (
    "Пришлите одну или несколько строк вида поле: значение, например:\n"
    "бай-ин: 100+10\nвходы: 2\nребаи: 50\nучастники: 180\nвыплата: 850\n"
    "Поля: название, дата, площадка, бай-ин, комиссия, валюта, игра, формат, входы, ребаи, "
    "аддоны, участники, стек, место, выплата, баунти. Отправьте «готово», чтобы сохранить, "
    "/cancel — отменить изменения."
)

RU = Catalogue(
    start=(
        "Привет! Я веду учёт ваших покерных турниров: регистрируйте их, вносите результаты "
        "и смотрите прибыль, ROI и ITM.\n\n" + _COMMANDS
    ),
    help="Что я умею:\n" + _COMMANDS,
    short_help="Я не понял сообщение. Вот что я умею:\n" + _COMMANDS,
    unknown_command="Я не знаю команду {command}.\n\n" + _COMMANDS,
    unsupported_message=(
        "Я понимаю текст, фото билетов и файлы CSV из /export.\n\n" + _COMMANDS
    ),
    register_prompt=(
        "Отправьте турнир одной строкой:\n" + _REGISTER_FORMAT
        + "\n\nИли отправьте только название — остальное я спрошу по шагам. /cancel — отмена."
    ),
    register_saved="Турнир зарегистрирован ✅\n{card}\n\nПосле игры отправьте /result, чтобы внести результат.",
    register_errors={
        ErrorCode.BAD_FORMAT: "Нужно четыре части через |:\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_NAME: "Название должно быть от 1 до 100 символов.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_DATE: (
            "«{value}» — не подходящая дата. Пишите ДД.ММ.ГГГГ, например 02.03.2025.\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.BAD_BUY_IN: (
            "«{value}» — не сумма бай-ина. Напишите сумму, например 100, 52.50 или 100+10 (с комиссией).\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.NEGATIVE_BUY_IN: "Бай-ин не может быть отрицательным (вы написали {value}).\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_VENUE: "Место проведения должно быть от 1 до 100 символов.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_EXTRA: (
            "«{value}» — ни игра (NLHE, PLO, PLO5, Mixed, Other), ни формат "
            "(freezeout, re-entry, rebuy, bounty, satellite).\n" + _REGISTER_FORMAT
        ),
    },
    step_ask_date="{name}: когда турнир? Отправьте дату ДД.ММ.ГГГГ или нажмите кнопку.",
    step_bad_date="«{value}» — не подходящая дата. Отправьте ДД.ММ.ГГГГ, например 02.03.2025.",
    step_ask_buy_in="Бай-ин? Например 100 или 100+10 (бай-ин плюс комиссия).",
    step_bad_buy_in="«{value}» — не сумма бай-ина. Отправьте сумму, например 100, 52.50 или 100+10.",
    step_ask_venue="Где играется турнир? Отправьте площадку (или нажмите текущую).",
    step_bad_venue="Площадка должна быть от 1 до 100 символов. Отправьте ещё раз.",
    step_ask_game="Какая игра?",
    step_tap_game="Нажмите одну из игр ниже (или напишите NLHE, PLO, PLO5, Mixed или Other).",
    step_ask_format="Какой формат? Нажатие сохранит турнир.",
    step_tap_format=(
        "Нажмите один из форматов ниже (или напишите фриз, реентри, ребай, баунти или сателлит)."
    ),
    button_today="Сегодня",
    button_yesterday="Вчера",
    button_expired="Эта кнопка больше не активна.",
    result_none_pending="Нет турниров без результата. Добавьте турнир командой /register.",
    result_pick="Какой турнир? Нажмите на него:",
    result_pick_first="Сначала нажмите на кнопку турнира выше или отправьте /cancel.",
    result_ask="{name} ({date})\nОтправьте результат: " + _RESULT_FORMAT + "\n\n/cancel — отмена.",
    result_errors={
        ErrorCode.BAD_FORMAT: "Отправьте результат так: " + _RESULT_FORMAT,
        ErrorCode.BAD_PLACE: "«{value}» — не место. Место — целое число от 1, " + _RESULT_FORMAT,
        ErrorCode.BAD_PAYOUT: "«{value}» — не сумма. Отправьте " + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_PAYOUT: (
            "Выплата не может быть отрицательной (вы написали {value}). Отправьте " + _RESULT_FORMAT
        ),
        ErrorCode.BAD_BOUNTY: "«{value}» — не сумма баунти. Отправьте " + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_BOUNTY: (
            "Баунти не могут быть отрицательными (вы написали {value}). Отправьте " + _RESULT_FORMAT
        ),
    },
    result_saved=(
        "Результат сохранён ✅\n{name} ({date})\n🏆 Место: {place}\n💰 Выплата: {prize}\n"
        "💵 Затраты: {cost}\n📈 Прибыль: {profit}\n📊 ROI: {roi}"
    ),
    result_saved_bounty="🎯 Баунти: {bounty}\nРе-энтри, ребаи, аддоны или число участников: /edit",
    result_already="У турнира {name} уже есть результат. Отправьте /result, чтобы выбрать другой.",
    tournament_unavailable="Этот турнир недоступен. Отправьте /tournaments, чтобы увидеть список.",
    button_ok="OK",
    edit_pick="Какой турнир изменить? Нажмите на него:",
    pick_first="Сначала нажмите на кнопку турнира выше или отправьте /cancel.",
    edit_intro="{card}\n\n" + _EDIT_HELP,
    edit_help=_EDIT_HELP,
    edit_errors={
        ErrorCode.EDIT_BAD_VALUE: "«{line}»: {expected} Из этого сообщения ничего не изменено; отправьте его ещё раз.",
        ErrorCode.EDIT_EMPTY: "Пришлите строки вида поле: значение.{value}",
        ErrorCode.EDIT_TOO_MANY: "Не больше {value} строк за раз, пожалуйста.",
        ErrorCode.EDIT_BAD_LINE: "«{value}» — не строка вида поле: значение.",
        ErrorCode.EDIT_UNKNOWN_FIELD: "Я не знаю поле «{value}».",
        ErrorCode.EDIT_EMPTY_VALUE: "Для «{value}» нужно значение после двоеточия.",
    },
    edit_changed="Сейчас так:\n{card}\n\nЕщё строки или «готово», чтобы сохранить (/cancel отменит изменения).",
    edit_missing="Не хватает: {fields}. Пришлите их строками поле: значение, затем «готово».",
    edit_result_incomplete=(
        "Для результата нужны и место, и выплата (выплата: 0 — без призовых); баунти — только "
        "вместе с результатом. Исправьте строками поле: значение (место: -, выплата: - удалят "
        "результат), затем «готово»."
    ),
    edit_saved="Сохранено ✅\n{card}",
    delete_pick="Какой турнир? Нажмите на него:",
    delete_confirm="{card}\n\nЧто удалить?",
    button_delete_result="Только результат",
    button_delete_tournament="Весь турнир",
    button_keep="Ничего не удалять",
    delete_result_done="Результат удалён; турнир снова ждёт результата в /result.",
    delete_done="Турнир удалён.",
    delete_kept="Ничего не удалено.",
    delete_tap_button="Нажмите одну из кнопок выше или отправьте /cancel.",
    venue_none="Текущая площадка не задана. Задайте её: /setvenue <название>, например /setvenue Casino Royal.",
    venue_current=(
        "Текущая площадка: {venue}\nОна предлагается при регистрации и заменяет площадку с фото билета. "
        "/setvenue - сбросит её."
    ),
    setvenue_prompt="Отправьте название текущей площадки (от 1 до 100 символов) или -, чтобы сбросить.",
    setvenue_bad="Площадка должна быть от 1 до 100 символов. Отправьте ещё раз или /cancel.",
    venue_cleared="Текущая площадка сброшена.",
    venue_set="Текущая площадка: {venue} ✅",
    ticket_reading="📷 Читаю билет… Сейчас покажу, что удалось распознать.",
    ticket_unreadable=(
        "Не удалось прочитать билет. Пожалуйста, введите турнир одной строкой:\n" + _REGISTER_FORMAT
    ),
    ticket_read="Вот что я прочитал на билете:\n{card}\n\nВсё верно?",
    ticket_missing="Не удалось найти: {fields}. Нажмите «Изменить», чтобы дописать.",
    ticket_fill_first="Не все поля заполнены: сначала допишите их.",
    ticket_cancelled="Билет отброшен. Ничего не сохранено.",
    ticket_edit_intro=_EDIT_HELP.replace("чтобы сохранить", "когда закончите"),
    ticket_tap_button="Нажмите «Подтвердить», «Изменить» или «Отмена» под билетом.",
    button_confirm="✅ Подтвердить",
    button_edit="✏️ Изменить",
    button_cancel="✖️ Отмена",
    tournaments_empty="У вас пока нет турниров. Добавьте турнир командой /register.",
    tournaments_header="Ваши последние турниры:",
    tournament_line_finished=(
        "{date} {name} ({venue}) — затраты {cost}, место {place}, выигрыш {winnings}, прибыль {profit}"
    ),
    tournament_line_pending="{date} {name} ({venue}) — затраты {cost}, результата пока нет",
    stats_empty=(
        "За период «{period}» результатов нет: зарегистрируйте турнир командой /register "
        "и внесите результат через /result."
    ),
    stats_header="📊 Ваша статистика: {period}",
    stats_all_time="всё время",
    stats_no_currency="валюта не указана",
    stats_played="🎲 Сыграно турниров: {played}\n⏳ Ждут результата: {pending}",
    stats_money=(
        "🎟 Входов: {entries}\n💵 Всего затрат: {cost}\n💰 Всего выиграно: {winnings} "
        "(баунти {bounty})\n📈 Прибыль: {profit}\n📊 ROI: {roi}\n🎯 ITM: {itm} ({itm_count})\n"
        "🎫 Средний бай-ин (ABI): {abi}"
    ),
    stats_biggest_win="🏆 Крупнейший выигрыш: {profit} — {name} ({date})",
    stats_best_finish="🥇 Лучшее место: {place} — {name} ({date})",
    stats_final_tables="🃏 Финальных столов: {final_tables} из {known} с известным числом участников",
    stats_group_line="{group}: сыграно {played}, прибыль {profit}, ROI {roi}, ITM {itm}",
    stats_bad_query=(
        "Не понимаю «{value}». Попробуйте /stats, /stats 30d, /stats 2025, /stats 03.2025, "
        "/stats venue, /stats format, /stats venue <название> или /stats format bounty."
    ),
    graph_title="PokerTracker: {period}",
    graph_profit_title="Накопленная прибыль",
    graph_profit_axis="Прибыль",
    graph_roi_title="ROI по месяцам",
    graph_roi_axis="ROI, %",
    graph_date_axis="Дата",
    graph_no_data="Нет данных за этот период",
    graph_caption="Ваша прибыль во времени и ROI по месяцам.",
    graph_currency_caption="Ваша прибыль во времени и ROI по месяцам, в валюте {currency}.",
    export_caption="Все ваши турниры ({count}). Измените файл и пришлите обратно, чтобы импортировать.",
    document_unsupported=(
        "Я понимаю файлы CSV в формате /export и фото билетов. Этот файл — ни то, ни другое."
    ),
    import_unavailable="Не удалось скачать файл (он должен быть меньше 1 МБ). Пришлите его ещё раз.",
    import_errors={
        FileError.TOO_LARGE: "Файл слишком большой: не больше 1 МБ, пожалуйста. {value}",
        FileError.NOT_UTF8: "Не удалось прочитать текст файла. Сохраните его как CSV в UTF-8 и пришлите снова. {value}",
        FileError.EMPTY: "В файле нет строк. {value}",
        FileError.BAD_HEADER: "Заголовок файла не в формате /export ({value}). Возьмите за основу файл из /export.",
        FileError.TOO_MANY_ROWS: "В файле слишком много строк (не больше {value}). Разделите его на части.",
        FileError.MALFORMED: (
            "Не удаётся прочитать файл как CSV (около строки {value}). "
            "Сохраните его как CSV из таблицы и пришлите снова."
        ),
    },
    import_done="Импорт выполнен ✅ Добавлено: {added}, обновлено: {updated}.",
    import_refused="Ничего не импортировано: {bad} из {total} строк нужно исправить.",
    import_row_line="Строка {line}: {reason}",
    import_more="…и ещё {count}.",
    import_fix_and_resend="Исправьте эти строки и пришлите файл снова.",
    import_row_errors={
        RowProblem.UNKNOWN_ID: "id {value} — не ваш турнир (оставьте id пустым, чтобы добавить новый)",
        RowProblem.BAD_ID: "«{value}» — не id",
        RowProblem.DUPLICATE_ID: "id {value} встречается дважды",
        RowProblem.BAD_DATE: "«{value}» — не дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)",
        RowProblem.BAD_NAME: "название должно быть от 1 до 100 символов",
        RowProblem.BAD_VENUE: "площадка должна быть от 1 до 100 символов",
        RowProblem.MISSING_VALUE: "{value} — обязательное поле",
        RowProblem.BAD_AMOUNT: "«{value}» — не сумма",
        RowProblem.NEGATIVE_AMOUNT: "«{value}» — отрицательная сумма",
        RowProblem.BAD_PLACE: "«{value}» — не место (от 1)",
        RowProblem.BAD_ENTRIES: "«{value}» — не число входов (от 1 до 1000)",
        RowProblem.BAD_FIELD_SIZE: "«{value}» — не число участников",
        RowProblem.BAD_STARTING_STACK: "«{value}» — не стартовый стек",
        RowProblem.BAD_CURRENCY: "«{value}» — не код валюты вроде USD",
        RowProblem.BAD_GAME: "«{value}» — не игра (NLHE, PLO, PLO5, Mixed, Other)",
        RowProblem.BAD_FORMAT: "«{value}» — не формат (freezeout, reentry, rebuy, bounty, satellite)",
        RowProblem.RESULT_INCOMPLETE: "место и выплата указываются вместе (баунти — только с ними)",
        RowProblem.TOO_MANY_COLUMNS: "в строке больше ячеек, чем в заголовке",
    },
    # --- reminders ---
    reminders_status=(
        "Напоминания о результатах: {current}.\n"
        "Если вы зарегистрировали турнир и не внесли результат, я один раз напомню об этом "
        "через выбранное время. Выберите ниже или отправьте /reminders 12ч."
    ),
    reminders_off="выключены",
    reminders_after="через {hours} ч после турнира",
    reminders_button_off="Выкл",
    reminders_button_hours="{hours} ч",
    reminders_set=(
        "Готово: если через {hours} ч после турнира результата не будет, я один раз напомню. "
        "Это касается турниров, которые вы зарегистрируете с этого момента."
    ),
    reminders_set_off="Напоминания выключены. Напоминать о результатах не буду.",
    reminders_bad=(
        "«{value}» — такого варианта нет. Отправьте /reminders выкл, /reminders 6ч, "
        "/reminders 12ч или /reminders 24ч — или нажмите кнопку."
    ),
    reminder_nudge="⏰ Как сыграли {name} ({date})? Внесите результат, пока всё помните.",
    reminder_button="✍️ Внести результат",
    cancelled="Отменено. Сейчас ничего не выполняется.",
    nothing_to_cancel="Отменять нечего: ничего не выполнялось.",
    session_too_large=(
        "Это больше, чем я могу хранить для одного шага разговора. Ничего не изменено — "
        "отправьте меньше за раз или /cancel."
    ),
    field_names={
        "name": "Название", "date": "Дата", "venue": "Площадка", "buy_in": "Бай-ин",
        "fee": "Комиссия", "currency": "Валюта", "game": "Игра", "format": "Формат",
        "entries": "Входы", "rebuys": "Ребаи", "addons": "Аддоны", "field_size": "Участники",
        "starting_stack": "Стек", "place": "Место", "prize": "Выплата", "bounty": "Баунти",
        "cost": "Затраты", "profit": "Прибыль",
    },
    field_hints={
        "name": "название должно быть от 1 до 100 символов.",
        "date": "пишите дату как ДД.ММ.ГГГГ, например дата: 02.03.2025.",
        "venue": "площадка должна быть от 1 до 100 символов.",
        "buy_in": "напишите сумму, например бай-ин: 100 или бай-ин: 100+10 (с комиссией).",
        "fee": "напишите сумму, например комиссия: 10.",
        "currency": "трёхбуквенный код, например валюта: USD (или -, чтобы убрать).",
        "game": "одно из NLHE, PLO, PLO5, Mixed, Other.",
        "format": "одно из: фриз, реентри, ребай, баунти, сателлит.",
        "entries": "целое число от 1 до 1000 (1 плюс ре-энтри), например входы: 2.",
        "rebuys": "сколько всего потрачено на ребаи, например ребаи: 50.",
        "addons": "сколько всего потрачено на аддоны, например аддоны: 20.",
        "field_size": "число игроков, например участники: 180 (или -, чтобы убрать).",
        "starting_stack": "фишки, например стек: 20000 или стек: 20k (или -, чтобы убрать).",
        "place": "целое число от 1, например место: 3 (или -, чтобы убрать).",
        "prize": "сумма, например выплата: 850 (0 — без призовых, - — убрать).",
        "bounty": "сумма, например баунти: 120 (или -, чтобы убрать).",
    },
    game_names={
        Game.NLHE: "NLHE", Game.PLO: "PLO", Game.PLO5: "PLO5", Game.MIXED: "Микс",
        Game.OTHER: "Другое",
    },
    format_names={
        Format.FREEZEOUT: "Фризаут", Format.REENTRY: "Ре-энтри", Format.REBUY: "Ребай",
        Format.BOUNTY: "Баунти/PKO", Format.SATELLITE: "Сателлит",
    },
)
