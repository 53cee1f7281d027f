from services.handler.domain.csv_io import FileError, RowProblem
from services.handler.domain.money import RU_NUMBERS
from services.handler.domain.parsing import ErrorCode
from services.handler.domain.records import Format, Game
from services.handler.texts import Catalogue
from services.handler.tracker.model import UNDO_MINUTES

_COMMANDS = (
    "📋 Турниры\n"
    "/register — добавить турнир (или просто пришлите фото билета)\n"
    "/result — внести результат турнира\n"
    "/edit — изменить турнир или его результат\n"
    f"/delete — удалить результат или турнир (вернуть можно в течение {UNDO_MINUTES} минут)\n"
    "/tournaments — все ваши турниры, сначала новые\n\n"
    "📊 Статистика\n"
    "/stats — прибыль, ROI, ITM; а также /stats 30д, /stats 2025, /stats площадки (или форматы, лимиты, игры)\n"
    "/graph — график прибыли\n"
    "/export — ваши турниры файлом CSV: его можно исправить и прислать обратно для импорта\n\n"
    "⚙️ Настройки\n"
    "/currency — ваша валюта; /rate USD 90 — курсы валют для /stats\n"
    "/venue — текущая площадка; /setvenue <название> — задать её\n"
    "/reminders — напоминание внести результат (выкл, 6ч, 12ч, 24ч)\n"
    "/language — язык: русский или английский\n"
    "/menu — кнопки под полем ввода\n"
    "/cancel — отменить текущее действие; /help — этот список\n\n"
    "📤 Чтобы поделиться статистикой в любом чате, наберите @ и имя бота, затем stats."
)
_REGISTER_FORMAT = (
    "Название | ДД.ММ.ГГГГ | бай-ин | площадка\n"
    "Например: Sunday Major | 02.03.2025 | 100+10 | Casino Royal\n"
    "(100+10 — бай-ин + комиссия; с валютой: $100+10 или 1000 руб; дату можно указать без года: 02.03 — "
    "ближайшая такая дата; можно добавить игру и формат: … | PLO | баунти)"
)
_RESULT_FORMAT = "место | выплата, например 3 | 850 или 3 | $850 (без призовых: 57 | 0; с баунти: 3 | 850 | 120)"
_EDIT_HELP = (
    "Пришлите одну или несколько строк вида поле: значение, например:\n"
    "бай-ин: 100+10\nвходы: 2\nребаи: 50\nучастники: 180\nвыплата: 850\n"
    "Поля: название, дата, площадка, бай-ин, комиссия, валюта, игра, формат, входы, ребаи, "
    "аддоны, участники, стек, место, выплата, баунти. Отправьте «готово», чтобы сохранить, "
    "/cancel — отменить изменения."
)

RU = Catalogue(
    start=(
        "Привет! Я веду учёт ваших покерных турниров: регистрируйте турниры, вносите результаты "
        "и смотрите прибыль, ROI и ITM.\n\n" + _COMMANDS
    ),
    help="Что я умею:\n\n" + _COMMANDS,
    short_help="Не понял сообщение.\nЧто я умею — в /help; кнопки меню — в /menu.",
    unknown_command="Я не знаю команду {command}.\nСписок команд — в /help, кнопки — в /menu.",
    unsupported_message="Я понимаю текст, фото билетов и файлы CSV из /export.\nЧто я умею — в /help.",
    command_menu={
        "register": "Добавить турнир",
        "result": "Внести результат турнира",
        "stats": "Прибыль, ROI и ITM",
        "graph": "График прибыли",
        "tournaments": "Все ваши турниры",
        "edit": "Изменить турнир или результат",
        "delete": "Удалить результат или турнир",
        "export": "Ваши турниры файлом CSV",
        "currency": "Ваша валюта",
        "rate": "Курсы валют для /stats",
        "venue": "Текущая площадка",
        "setvenue": "Задать текущую площадку",
        "reminders": "Напоминание внести результат",
        "language": "Язык: русский или английский",
        "menu": "Кнопки под полем ввода",
        "cancel": "Отменить текущее действие",
        "help": "Что я умею",
    },
    register_prompt=(
        "Отправьте турнир одной строкой:\n" + _REGISTER_FORMAT
        + "\n\nИли отправьте только название — остальное я спрошу по шагам. /cancel — отмена."
    ),
    register_saved="Турнир зарегистрирован ✅\n{card}\n\nПосле игры отправьте /result, чтобы внести результат.",
    register_errors={
        ErrorCode.BAD_FORMAT: "Нужно четыре части через |:\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_NAME: "Название должно быть от 1 до 100 символов.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_DATE: (
            "Не понимаю дату «{value}». Пишите ДД.ММ.ГГГГ или ДД.ММ (ближайшая такая дата), "
            "например 02.03.2025.\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.BAD_BUY_IN: (
            "«{value}» — не сумма бай-ина. Напишите сумму, например 100, 52,50, 100+10 (с комиссией) "
            "или $100+10 (с валютой).\n"
            + _REGISTER_FORMAT
        ),
        ErrorCode.NEGATIVE_BUY_IN: "Бай-ин не может быть отрицательным (вы написали {value}).\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_VENUE: "Название площадки должно быть от 1 до 100 символов.\n" + _REGISTER_FORMAT,
        ErrorCode.BAD_EXTRA: (
            "«{value}» — не игра (NLHE, PLO, PLO5, микс, другое) и не формат "
            "(фризаут, ре-энтри, ребай, баунти, сателлит).\n" + _REGISTER_FORMAT
        ),
        ErrorCode.MIXED_CURRENCY: (
            "В «{value}» две разные валюты: пишите бай-ин и комиссию в одной, например $100+10.\n" + _REGISTER_FORMAT
        ),
    },
    step_ask_date="{name}: когда турнир? Отправьте дату ДД.ММ.ГГГГ или просто ДД.ММ, или нажмите кнопку.",
    step_bad_date=(
        "Не понимаю дату «{value}». Отправьте ДД.ММ.ГГГГ или ДД.ММ, например 02.03.2025 или 02.03."
    ),
    step_ask_buy_in="Бай-ин? Например 100, 100+10 (бай-ин плюс комиссия) или с валютой: $100+10, 1000 руб.",
    step_bad_buy_in="«{value}» — не сумма бай-ина. Отправьте сумму, например 100, 52,50, 100+10 или $100+10.",
    step_ask_venue="Где проходит турнир? Отправьте название площадки.",
    step_bad_venue="Название площадки должно быть от 1 до 100 символов. Отправьте ещё раз.",
    step_ask_game="Какая игра?",
    step_tap_game="Выберите игру кнопкой ниже (или напишите NLHE, PLO, PLO5, микс или другое).",
    step_ask_format="Какой формат? После выбора турнир сохранится.",
    step_tap_format=(
        "Выберите формат кнопкой ниже (или напишите фризаут, ре-энтри, ребай, баунти или сателлит)."
    ),
    button_today="Сегодня",
    button_yesterday="Вчера",
    button_expired="Эта кнопка больше не активна.",
    result_none_pending="Нет турниров, которые ждут результата. Добавьте турнир командой /register.",
    result_pick="Какой турнир? Нажмите на него:",
    result_pick_first="Сначала нажмите на кнопку турнира выше или отправьте /cancel.",
    result_ask="{name} ({date})\nОтправьте результат: " + _RESULT_FORMAT + "\n\n/cancel — отмена.",
    result_errors={
        ErrorCode.BAD_FORMAT: "Отправьте результат так: " + _RESULT_FORMAT,
        ErrorCode.BAD_PLACE: "«{value}» — не место: нужно целое число от 1. Отправьте " + _RESULT_FORMAT,
        ErrorCode.BAD_PAYOUT: "«{value}» — не сумма выплаты: напишите, например, 850, 12 500 или $850. Отправьте "
        + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_PAYOUT: (
            "Выплата не может быть отрицательной (вы написали {value}). Отправьте " + _RESULT_FORMAT
        ),
        ErrorCode.BAD_BOUNTY: "«{value}» — не сумма баунти: напишите, например, 120 или $120. Отправьте "
        + _RESULT_FORMAT,
        ErrorCode.NEGATIVE_BOUNTY: (
            "Баунти не могут быть отрицательными (вы написали {value}). Отправьте " + _RESULT_FORMAT
        ),
        ErrorCode.MIXED_CURRENCY: (
            "В «{value}» две разные валюты: выплату и баунти пишите в одной, например 3 | $850 | $120."
        ),
    },
    result_saved=(
        "Результат сохранён ✅\n{name} ({date})\n🏆 Место: {place}\n💰 Выплата: {prize}\n"
        "💵 Затраты: {cost}\n📈 Прибыль: {profit}\n📊 ROI: {roi}"
    ),
    result_saved_bounty="🎯 Баунти: {bounty}\nДобавить ре-энтри, ребаи, аддоны или число участников: /edit",
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
        ErrorCode.WRONG_CURRENCY: (
            "«{line}»: суммы этого турнира в {currency}. Напишите в {currency} или без валюты (валюту турнира "
            "меняет строка валюта: …). Из этого сообщения ничего не изменено; отправьте его ещё раз."
        ),
    },
    edit_changed="Пока так:\n{card}\n\nЕщё строки или «готово», чтобы сохранить (/cancel отменит изменения).",
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
        "Текущая площадка: {venue}\nЯ предлагаю её при регистрации и подставляю вместо площадки с фото билета. "
        "/setvenue - сбросит её."
    ),
    setvenue_prompt="Отправьте название текущей площадки (от 1 до 100 символов) или -, чтобы сбросить.",
    setvenue_bad="Название площадки должно быть от 1 до 100 символов. Отправьте ещё раз или /cancel.",
    venue_cleared="Текущая площадка сброшена.",
    venue_set="Текущая площадка: {venue} ✅",
    ticket_reading="📷 Читаю билет… Сейчас покажу, что удалось распознать.",
    ticket_unreadable=(
        "Не удалось прочитать билет. Пожалуйста, введите турнир одной строкой:\n" + _REGISTER_FORMAT
    ),
    ticket_read="Вот что я прочитал на билете:\n{card}\n\nВсё верно?",
    ticket_missing="Не удалось найти: {fields}. Нажмите «Изменить», чтобы дописать.",
    ticket_fill_first="Не все поля заполнены: сначала допишите их.",
    ticket_cancelled="Билет отменён, ничего не сохранено.",
    ticket_edit_intro=_EDIT_HELP.replace("чтобы сохранить", "когда закончите"),
    ticket_tap_button="Нажмите «Подтвердить», «Изменить» или «Отмена» под билетом.",
    button_confirm="✅ Подтвердить",
    button_edit="✏️ Изменить",
    button_cancel="✖️ Отмена",
    tournaments_empty="У вас пока нет турниров. Добавьте турнир командой /register.",
    tournament_line_finished=(
        "{date} {name} ({venue}) — затраты {cost}, место {place}, выигрыш {winnings}, прибыль {profit}"
    ),
    tournament_line_pending="{date} {name} ({venue}) — затраты {cost}, результата пока нет",
    stats_empty=(
        "Результатов за этот период нет ({period}). Зарегистрируйте турнир командой /register "
        "и внесите результат через /result."
    ),
    stats_header="📊 Ваша статистика: {period}",
    stats_all_time="всё время",
    stats_no_currency="без валюты",
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
    stats_group_waiting="{group}: ждут результата: {pending}",
    stats_bad_query=(
        "Не понимаю «{value}». Попробуйте /stats, /stats 30д, /stats 2025, /stats 03.2025, "
        "/stats площадки, /stats форматы, /stats лимиты, /stats игры, /stats площадка <название> "
        "или /stats формат баунти."
    ),
    graph_title="PokerTracker: {period}",
    graph_profit_title="Накопленная прибыль",
    graph_profit_axis="Прибыль",
    graph_roi_title="ROI по месяцам",
    graph_roi_axis="ROI, %",
    graph_date_axis="Дата",
    graph_no_data="Нет данных за этот период",
    graph_caption="Накопленная прибыль и ROI по месяцам.",
    graph_currency_caption="Накопленная прибыль и ROI по месяцам, валюта: {currency}.",
    export_caption="Все ваши турниры ({count}). Можно исправить файл и прислать обратно — я его импортирую.",
    document_unsupported=(
        "Я понимаю файлы CSV в формате /export и фото билетов. Этот файл — ни то, ни другое."
    ),
    import_unavailable="Не удалось скачать файл (он должен быть меньше 1 МБ). Пришлите его ещё раз.",
    import_errors={
        FileError.TOO_LARGE: "Файл слишком большой: не больше 1 МБ, пожалуйста. {value}",
        FileError.NOT_UTF8: "Не удалось прочитать текст файла. Сохраните его как CSV в UTF-8 и пришлите снова. {value}",
        FileError.EMPTY: "В файле нет строк. {value}",
        FileError.BAD_HEADER: (
            "Первая строка файла должна быть заголовком как в /export:\n{value}\n"
            "Обязательные столбцы: date, name, venue, buy_in; остальные можно не указывать, порядок любой."
        ),
        FileError.TOO_MANY_ROWS: "В файле слишком много строк (не больше {value}). Разделите его на части.",
        FileError.MALFORMED: (
            "Не удаётся прочитать файл как CSV (около строки {value}). "
            "Сохраните его как CSV из таблицы и пришлите снова."
        ),
    },
    import_done="Импорт завершён ✅ Добавлено: {added}, обновлено: {updated}, без изменений: {unchanged}.",
    import_refused="Ничего не импортировано: нужно исправить строки — {bad} из {total}.",
    import_row_line="Строка {line}: {reason}",
    import_more="…и ещё {count}.",
    import_fix_and_resend="Исправьте эти строки и пришлите файл снова.",
    import_row_errors={
        RowProblem.UNKNOWN_ID: "id {value} — не ваш турнир (оставьте id пустым, чтобы добавить новый)",
        RowProblem.BAD_ID: "«{value}» — не id",
        RowProblem.DUPLICATE_ID: "id {value} встречается дважды",
        RowProblem.BAD_DATE: "«{value}» — не дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)",
        RowProblem.BAD_NAME: "название должно быть от 1 до 100 символов",
        RowProblem.BAD_VENUE: "название площадки должно быть от 1 до 100 символов",
        RowProblem.MISSING_VALUE: "{value} — обязательное поле",
        RowProblem.BAD_AMOUNT: "«{value}» — не сумма",
        RowProblem.NEGATIVE_AMOUNT: "«{value}» — отрицательная сумма",
        RowProblem.BAD_PLACE: "«{value}» — не место (от 1)",
        RowProblem.BAD_ENTRIES: "«{value}» — не число входов (от 1 до 1000)",
        RowProblem.BAD_FIELD_SIZE: "«{value}» — не число участников",
        RowProblem.BAD_STARTING_STACK: "«{value}» — не стартовый стек",
        RowProblem.BAD_CURRENCY: "«{value}» — не код валюты вроде USD",
        RowProblem.BAD_GAME: "«{value}» — не игра (NLHE, PLO, PLO5, Mixed, Other)",
        RowProblem.BAD_FORMAT: "«{value}» — не формат (freezeout, re-entry, rebuy, bounty, satellite)",
        RowProblem.RESULT_INCOMPLETE: "место и выплата указываются вместе (баунти — только с ними)",
        RowProblem.TOO_MANY_COLUMNS: "в строке больше ячеек, чем в заголовке",
    },
    # --- the venue question, the ticket's venue, the import header, Undo, paging, stats ---
    step_ask_venue_or_current="Где проходит турнир? Отправьте название площадки или нажмите текущую.",
    ticket_venue_replaced=(
        "ℹ️ Ваша текущая площадка — {venue} (/setvenue), поэтому я указал её вместо «{read}» с билета. "
        "Изменить можно кнопкой «Изменить»."
    ),
    import_missing_columns="Не хватает: {columns}.",
    import_unknown_columns="Таких столбцов нет в /export (или они повторяются): {columns}.",
    delete_undo_hint="Передумали? Нажмите «Вернуть» в течение {minutes} минут.",
    button_undo="↩️ Вернуть",
    undo_result_done="Готово ✅ Результат возвращён:\n{card}",
    undo_tournament_done="Готово ✅ Турнир возвращён:\n{card}",
    undo_unavailable=(
        "Это уже нельзя вернуть: вернуть можно один раз и только в течение {minutes} минут после удаления."
    ),
    tournaments_page_header="Ваши турниры, сначала новые: {first}–{last} из {total}",
    button_newer="« Новые",
    button_older="Старые »",
    stats_avg_finish="📍 Среднее место: {avg} (учтено результатов: {finished})",
    level_names={"micro": "Микролимиты", "low": "Низкие лимиты", "mid": "Средние лимиты", "high": "Высокие лимиты"},
    # --- language, menu, groups ---
    language_choose="На каком языке мне говорить? «Авто» — как в настройках Telegram.",
    language_set="Готово: теперь я говорю с вами по-русски ✅",
    language_auto="Готово: буду говорить на языке вашего Telegram ✅",
    language_bad=(
        "«{value}» — такого языка я не знаю. Отправьте /language ru, /language en или /language auto "
        "или выберите ниже:"
    ),
    button_language_auto="Авто (как в Telegram)",
    menu_register="📝 Регистрация",
    menu_result="🏁 Результат",
    menu_stats="📊 Статистика",
    menu_graph="📈 График",
    menu_hide="✖️ Скрыть меню",
    menu_shown="Меню — под полем ввода. «Скрыть меню» его убирает, /menu возвращает.",
    menu_hidden="Меню скрыто. /menu вернёт его.",
    start_from_group="Вы пришли из группового чата: отправьте здесь /{command}.",
    group_private_only=(
        "Я работаю только в личных сообщениях, чтобы ваши результаты оставались между нами. Продолжим здесь: {link}"
    ),
    group_private_only_unlinked=(
        "Я работаю только в личных сообщениях, чтобы ваши результаты оставались между нами. "
        "Напишите мне в личные сообщения — продолжим там."
    ),

    # --- inline sharing ---
    button_share="📤 Поделиться",
    share_stats_all_title="📊 Моя статистика: всё время",
    share_stats_month_title="📅 Моя статистика: этот месяц",
    share_stats_description="Сыграно {played} · ITM {itm} · прибыль {profit}",
    share_stats_all_header="📊 Мои покерные турниры за всё время",
    share_stats_month_header="📅 Мои покерные турниры за {month}",
    share_played="🎲 Сыграно: {played}",
    share_profit="📈 Прибыль: {profit} · ROI {roi}",
    share_itm="🎯 ITM: {itm} ({itm_count} из {played})",
    share_best_finish="🥇 Лучшее место: {place} — {name} ({date})",
    share_none_title="Пока нет результатов",
    share_none_description="Внесите результат турнира через /result — и им можно будет поделиться.",
    share_none_text="Результатов покерных турниров пока нет.",
    share_result_title="🏆 {name}: {place} место",
    share_result_description="{date} · прибыль {profit}",
    share_result_card=(
        "🏆 {name}\n📅 {date}, {venue}\n🏅 Место: {place}\n💰 Выигрыш: {won}\n📈 Прибыль: {profit}\n📊 ROI: {roi}"
    ),
    share_open_bot="Открыть PokerTracker",
    # --- currencies and number formats (/currency, /rate) ---
    numbers=RU_NUMBERS,
    currency_current=(
        "Ваша валюта: {currency}. Она проставляется турнирам, введённым без валюты, и /stats сводит всё в неё "
        "(курсы других валют — через /rate).\nЧтобы сменить, нажмите кнопку или отправьте код, например EUR."
    ),
    currency_none=(
        "Ваша валюта пока не задана. Нажмите свою или отправьте код (EUR, USD, RUB…) или знак (€ $ ₽ £). "
        "Турнирам без валюты она тоже проставится."
    ),
    currency_set="Ваша валюта: {currency} ✅",
    currency_filled="Валюта проставлена турнирам, где её не было: {count}.",
    currency_bad=(
        "«{value}» — такой валюты я не знаю. Отправьте трёхбуквенный код, например EUR, USD, RUB "
        "или GBP, или знак: € $ ₽ £ (/cancel — отмена)."
    ),
    currency_ask=(
        "В какой валюте вы играете? Выберите её кнопкой (или отправьте /currency CHF, если у вас другая). "
        "Она проставится этому турниру и остальным без валюты. Спрашиваю один раз: "
        "поменять её можно в любой момент через /currency."
    ),
    rate_no_default="Сначала задайте свою валюту через /currency, например /currency RUB: курсы считаются к ней.",
    rate_list="Ваши курсы к {currency}:\n{rates}\n\nИзменить: /rate {code} <курс>; удалить: /rate {code} -",
    rate_list_empty=(
        "Курсов пока нет. Чтобы сводить другие валюты в {currency}, отправьте /rate с кодом валюты "
        "и тем, сколько {currency} стоит её единица, например {example}."
    ),
    rate_example_words="/rate {code} <сколько {currency} стоит 1 {code}>",
    rate_set="Курс сохранён ✅ {rate}",
    rate_removed="Курс удалён: {rate}",
    rate_not_set="Курса {code} к {currency} нет.",
    rate_usage=(
        "Отправьте /rate с кодом валюты и тем, сколько {currency} стоит её единица, например "
        "{example}; /rate {code} - удалит курс, /rate покажет все курсы."
    ),
    rate_bad_code="«{value}» — такого кода валюты я не знаю. Отправьте, например, {example}.",
    rate_for_default="{currency} — ваша валюта, её курс всегда 1.",
    rate_bad_value=(
        "«{value}» — не курс. Отправьте, сколько {currency} стоит 1 {code}: число больше 0 и не больше "
        "1000000, до 8 знаков после запятой, например {example}."
    ),
    stats_pending_elsewhere="⏳ Ждут результата в других валютах: {count}",
    stats_combined=(
        "💱 Всё вместе в {currency}:\n💵 Всего затрат: {cost}\n💰 Всего выиграно: {winnings}\n"
        "📈 Прибыль: {profit}\n📊 ROI: {roi}"
    ),
    stats_rates_used="Курсы: {rates}",
    stats_missing_rate=(
        "💱 Чтобы свести всё в {currency}, задайте курс для {missing}, например {example}."
    ),
    stats_unknown_currency=(
        "Турниров без валюты: {count}. /currency проставит им вашу; /edit — валюту одного турнира."
    ),
    stats_no_default="💱 Чтобы свести все валюты в одну, задайте свою через /currency и курсы через /rate.",
    graph_profit_axis_currency="Прибыль, {currency}",
    graph_no_currency_caption="Накопленная прибыль и ROI по месяцам, турниры без валюты.",
    graph_combined_caption="Накопленная прибыль и ROI по месяцам, всё в {currency} ({rates}).",

    # --- typed amounts, currencies and dates ---
    button_tomorrow="Завтра",
    mixed_currency="В «{value}» две разные валюты. Бай-ин и комиссию пишите в одной, например $100+10 или 100+10 EUR.",
    result_wrong_currency=(
        "Турнир {name} в {currency}, а результат вы написали в {typed}. Отправьте его в {currency} или без "
        "валюты, например 3 | 850."
    ),
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
    reminder_nudge="⏰ Как прошёл турнир {name} ({date})? Внесите результат, пока всё помните.",
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
        "date": "пишите дату как ДД.ММ.ГГГГ или ДД.ММ, например дата: 02.03.2025.",
        "venue": "название площадки должно быть от 1 до 100 символов.",
        "buy_in": (
            "напишите сумму, например бай-ин: 100, бай-ин: 100+10 (с комиссией) или бай-ин: $100+10 (в одной валюте)."
        ),
        "fee": "напишите сумму, например комиссия: 10 или комиссия: $10.",
        "currency": "код или знак валюты, например валюта: USD или валюта: ₽ (или -, чтобы убрать).",
        "game": "одно из: NLHE, PLO, PLO5, микс, другое.",
        "format": "одно из: фризаут, ре-энтри, ребай, баунти, сателлит.",
        "entries": "целое число от 1 до 1000 (1 плюс ре-энтри), например входы: 2.",
        "rebuys": "сколько всего потрачено на ребаи, например ребаи: 50 или ребаи: $50.",
        "addons": "сколько всего потрачено на аддоны, например аддоны: 20 или аддоны: $20.",
        "field_size": "число игроков, например участники: 180 (или -, чтобы убрать).",
        "starting_stack": "фишки, например стек: 20000 или стек: 20k (или -, чтобы убрать).",
        "place": "целое число от 1, например место: 3 (или -, чтобы убрать).",
        "prize": "сумма, например выплата: 850 или выплата: $850 (0 — без призовых, - — убрать).",
        "bounty": "сумма, например баунти: 120 или баунти: $120 (или -, чтобы убрать).",
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
