"""What the demo's people write, in the language of the place: Polish, Ukrainian, Russian.

Auditors comment on failed items and tell the story of the visit in the language of the city
they shop in; reviewers write return notes; outlet managers argue disputes and report on
corrective actions. This is recorded content (like real audits), not interface text, so it
does not go through the gettext catalogues.
"""

from __future__ import annotations

from typing import Final

Phrases = dict[str, tuple[str, ...]]

FAILURE_COMMENTS: Final[dict[str, Phrases]] = {
    "pl": {
        "greeted": ("Nikt mnie nie przywitał, choć dwie osoby stały przy regale.",
                    "Sprzedawca spojrzał na mnie i wrócił do rozmowy przez telefon."),
        "greeting_wait": ("Czekałem prawie dwie minuty, zanim ktoś się odezwał.",),
        "greeting_manner": ("Powitanie bez uśmiechu, jakby z obowiązku.",),
        "private_activity": ("Kasjerka przeglądała telefon przy kasie.",),
        "open_questions": ("Padło tylko pytanie „czy coś podać?”.",),
        "questions_asked": ("Nie zadano mi żadnego pytania o potrzeby.",),
        "needs_summarised": ("Nikt nie podsumował, czego szukam.",),
        "benefits": ("Usłyszałem tylko cenę, bez żadnych zalet produktu.",),
        "knowledge": ("Sprzedawca nie znał składu produktu i musiał czytać etykietę.",),
        "alternatives": ("Nie zaproponowano tańszej alternatywy.",),
        "price_tags": ("Na półce z kawą brakowało czterech cen.",),
        "additional_offers": ("Nie wspomniano o karcie lojalnościowej ani promocji.",),
        "asked_for_sale": ("Rozmowa skończyła się bez propozycji zakupu.",),
        "queue_wait": ("Czynna była jedna kasa na sześć osób w kolejce.",),
        "price_charged": ("Na paragonie cena wyższa niż na półce (17,45 zamiast 14,99).",),
        "receipt": ("Paragon dostałem dopiero po upomnieniu się.",),
        "cashier_courtesy": ("Kasjer nie odpowiedział na „dzień dobry”.",),
        "goodbye": ("Nikt się nie pożegnał.",),
        "floor_clean": ("Przy wejściu rozlany napój, nieoznaczony.",),
        "shelves_stocked": ("Puste miejsca na półkach z nabiałem.",),
        "signage": ("Szyld nad wejściem jest uszkodzony.",),
        "entrance_clear": ("Kartony z dostawą blokowały połowę wejścia.",),
        "rings_to_answer": ("Odebrano dopiero po ośmiu sygnałach.",),
        "time_to_answer": ("Długo czekałem na połączenie z konsultantem.",),
        "greeting_name": ("Konsultant nie przedstawił się.",),
        "resolved_first_contact": ("Obiecano oddzwonić, ale nikt nie oddzwonił.",),
        "accurate_information": ("Podano złe godziny otwarcia w niedzielę.",),
        "response_hours": ("Odpowiedź przyszła dopiero następnego dnia po południu.",),
        "all_questions_answered": ("Pominięto pytanie o dostawę do domu.",),
        "signature": ("E-mail bez podpisu i bez danych kontaktowych.",),
    },
    "uk": {
        "greeted": ("Мене ніхто не привітав, хоча біля полиці стояли двоє працівників.",
                    "Продавець подивився на мене і продовжив розмову телефоном."),
        "greeting_wait": ("Майже дві хвилини ніхто не звертав на мене уваги.",),
        "greeting_manner": ("Привіталися без усмішки, наче з обов’язку.",),
        "private_activity": ("Касирка гортала телефон біля каси.",),
        "open_questions": ("Прозвучало лише «щось підказати?».",),
        "questions_asked": ("Про мої потреби не запитали нічого.",),
        "needs_summarised": ("Ніхто не підсумував, що саме я шукаю.",),
        "benefits": ("Назвали лише ціну, без жодних переваг товару.",),
        "knowledge": ("Продавець не знав складу і читав етикетку.",),
        "alternatives": ("Дешевшої альтернативи не запропонували.",),
        "price_tags": ("На полиці з кавою не було чотирьох цінників.",),
        "additional_offers": ("Про картку лояльності та акції не згадали.",),
        "asked_for_sale": ("Розмова закінчилася без пропозиції купити.",),
        "queue_wait": ("Працювала одна каса на шість людей у черзі.",),
        "price_charged": ("У чеку ціна вища, ніж на полиці (17,45 замість 14,99).",),
        "receipt": ("Чек дали лише після нагадування.",),
        "cashier_courtesy": ("Касир не відповів на привітання.",),
        "goodbye": ("Ніхто не попрощався.",),
        "floor_clean": ("Біля входу розлитий напій без попереджувального знаку.",),
        "shelves_stocked": ("Порожні місця на полицях з молочними продуктами.",),
        "signage": ("Вивіска над входом пошкоджена.",),
        "entrance_clear": ("Коробки з поставкою закривали половину входу.",),
        "rings_to_answer": ("Відповіли лише після восьми гудків.",),
        "time_to_answer": ("Довго чекав на з’єднання з консультантом.",),
        "greeting_name": ("Консультант не назвав свого імені.",),
        "resolved_first_contact": ("Пообіцяли передзвонити, але не передзвонили.",),
        "accurate_information": ("Назвали неправильний графік роботи в неділю.",),
        "response_hours": ("Відповідь прийшла лише наступного дня після обіду.",),
        "all_questions_answered": ("Питання про доставку додому проігнорували.",),
        "signature": ("Лист без підпису та контактів.",),
    },
    "ru": {
        "greeted": ("Меня никто не поприветствовал, хотя у стойки стояли два бариста.",
                    "Сотрудник посмотрел на меня и продолжил разговор по телефону."),
        "greeting_wait": ("Почти две минуты на меня никто не обращал внимания.",),
        "greeting_manner": ("Поздоровались без улыбки, будто по обязанности.",),
        "private_activity": ("Кассир листал телефон за стойкой.",),
        "open_questions": ("Прозвучало только «что будете?».",),
        "questions_asked": ("О моих предпочтениях не спросили ничего.",),
        "needs_summarised": ("Заказ не повторили перед оплатой.",),
        "benefits": ("Назвали только цену, без описания напитка.",),
        "knowledge": ("Бариста не знал, из каких зёрен эспрессо.",),
        "alternatives": ("Безлактозное молоко не предложили.",),
        "price_tags": ("В витрине с десертами не было трёх ценников.",),
        "additional_offers": ("Про карту лояльности и десерт дня не сказали.",),
        "asked_for_sale": ("Дополнительную покупку не предложили.",),
        "queue_wait": ("Одна касса на пятерых в очереди, ждал больше пяти минут.",),
        "price_charged": ("В чеке цена выше, чем в меню (320 вместо 290).",),
        "receipt": ("Чек выдали только по просьбе.",),
        "cashier_courtesy": ("Кассир не ответил на «здравствуйте».",),
        "goodbye": ("Со мной не попрощались.",),
        "floor_clean": ("У входа разлит кофе, знака нет.",),
        "shelves_stocked": ("Витрина с выпечкой наполовину пустая.",),
        "signage": ("Вывеска над входом повреждена.",),
        "entrance_clear": ("Коробки с поставкой загораживали вход.",),
        "rings_to_answer": ("Ответили только после восьми гудков.",),
        "time_to_answer": ("Долго ждал соединения с оператором.",),
        "greeting_name": ("Оператор не представился.",),
        "resolved_first_contact": ("Обещали перезвонить, но не перезвонили.",),
        "accurate_information": ("Назвали неверное время работы в воскресенье.",),
        "response_hours": ("Ответ пришёл только на следующий день после обеда.",),
        "all_questions_answered": ("Вопрос о доставке проигнорировали.",),
        "signature": ("Письмо без подписи и контактов.",),
    },
}  # fmt: skip

GENERIC_FAILURE: Final[Phrases] = {
    "pl": ("Tego zabrakło.", "Nie zostało to zrobione.",
           "Wyraźnie poniżej standardu sieci."),
    "uk": ("Цього не було.", "Цього не зробили.",
           "Помітно нижче стандарту мережі."),
    "ru": ("Этого не было.", "Этого не сделали.",
           "Заметно ниже стандарта сети."),
}  # fmt: skip

PRAISE: Final[Phrases] = {
    "pl": ("Bardzo uprzejma obsługa.", "Wzorowo.", "Szybko i konkretnie."),
    "uk": ("Дуже привітне обслуговування.", "Зразково.", "Швидко і по суті."),
    "ru": ("Очень приветливое обслуживание.", "Образцово.", "Быстро и по делу."),
}

STORY_OPENINGS: Final[Phrases] = {
    "pl": ("Wizyta w porze lunchu, w sklepie około 15 klientów.",
           "Wieczorna wizyta, spokojnie, dwie osoby przy kasach.",
           "Przedpołudnie, trwał rozładunek dostawy."),
    "uk": ("Візит в обідню пору, у магазині близько 15 покупців.",
           "Вечірній візит, спокійно, двоє працівників на касах.",
           "Перша половина дня, саме розвантажували поставку."),
    "ru": ("Визит в обед, в зале около десяти гостей.",
           "Вечерний визит, спокойно, один бариста за стойкой.",
           "Утро, очередь из офисных сотрудников."),
}  # fmt: skip

STORY_GOOD: Final[Phrases] = {
    "pl": ("Ogólnie dobre wrażenie, obsługa zaangażowana.",
           "Czysto, sprawnie, wróciłbym tu."),
    "uk": ("Загалом гарне враження, персонал уважний.",
           "Чисто, швидко, повернувся б сюди."),
    "ru": ("В целом хорошее впечатление, персонал внимательный.",
           "Чисто, быстро, вернулся бы сюда."),
}  # fmt: skip

STORY_POOR: Final[Phrases] = {
    "pl": ("Obsługa wyraźnie niezainteresowana klientem.",
           "Wrażenie chaosu, brak kierownika na sali."),
    "uk": ("Персонал явно не зацікавлений у покупцеві.",
           "Враження безладу, керівника в залі не було."),
    "ru": ("Персонал явно не заинтересован в госте.",
           "Ощущение хаоса, управляющего в зале не было."),
}  # fmt: skip

STAFF: Final[Phrases] = {
    "pl": ("Kobieta ok. 30 lat, zielony polar z logo.", "Młody mężczyzna w okularach."),
    "uk": ("Жінка близько 30 років, зелений фліс з логотипом.", "Молодий чоловік в окулярах."),
    "ru": ("Девушка около 25 лет, фартук с логотипом.", "Молодой человек с бородой."),
}

AGENTS: Final[Phrases] = {
    "pl": ("Pani Agnieszka", "Pan Tomasz", ""),
    "uk": ("Оксана", "Андрій", ""),
    "ru": ("Екатерина", "Дмитрий", ""),
}

RETURN_NOTES: Final[Phrases] = {
    "pl": ("Proszę dodać komentarz wyjaśniający ocenę.",
           "Zdjęcie jest nieczytelne – proszę opisać, co było widać."),
    "uk": ("Будь ласка, додайте коментар, що пояснює оцінку.",
           "Фото нечітке – опишіть, будь ласка, що на ньому було видно."),
    "ru": ("Пожалуйста, добавьте комментарий к оценке.",
           "Фото нечёткое – опишите, пожалуйста, что на нём было видно."),
}  # fmt: skip

RESUBMIT_COMMENTS: Final[Phrases] = {
    "pl": ("Uzupełniam: sytuacja trwała kilka minut, widziałem ją z kolejki.",),
    "uk": ("Доповнюю: ситуація тривала кілька хвилин, я бачив її з черги.",),
    "ru": ("Дополняю: ситуация длилась несколько минут, я видел её из очереди.",),
}

DISPUTE_REASONS: Final[Phrases] = {
    "pl": ("Nagranie z monitoringu pokazuje, że klient został obsłużony zgodnie ze standardem.",
           "W tym dniu obowiązywała inna procedura, uzgodniona z centralą."),
    "ru": ("Запись с камеры показывает, что гостя обслужили по стандарту.",
           "В этот день действовал другой порядок, согласованный с офисом."),
    "uk": ("Запис з камери показує, що покупця обслужили за стандартом.",
           "Цього дня діяв інший порядок, погоджений з офісом."),
}  # fmt: skip

UPHOLD_REPLIES: Final[Phrases] = {
    "pl": ("Nagranie potwierdza Państwa wersję; odpowiedź została poprawiona.",),
    "ru": ("Запись подтверждает вашу позицию; ответ исправлен.",),
    "uk": ("Запис підтверджує вашу позицію; відповідь виправлено.",),
}
REJECT_REPLIES: Final[Phrases] = {
    "pl": ("Zdjęcie audytora jednoznacznie pokazuje stan z chwili wizyty; ocena bez zmian.",),
    "ru": ("Фото аудитора однозначно показывает ситуацию на момент визита; оценка остаётся.",),
    "uk": ("Фото аудитора однозначно показує ситуацію на момент візиту; оцінка без змін.",),
}

ACTION_DONE: Final[Phrases] = {
    "pl": ("Przeprowadzono szkolenie zespołu i sprawdzono procedurę.",
           "Poprawiono ceny i dodano kontrolę przy otwarciu."),
    "ru": ("Провели обучение смены и проверили процедуру.",
           "Исправили цены в кассе и добавили проверку при открытии."),
    "uk": ("Провели навчання зміни та перевірили процедуру.",
           "Виправили ціни й додали перевірку під час відкриття."),
}  # fmt: skip
ACTION_VERIFIED: Final[Phrases] = {
    "pl": ("Sprawdzone podczas wizyty kierownika regionu.",),
    "ru": ("Проверено при визите регионального менеджера.",),
    "uk": ("Перевірено під час візиту регіонального менеджера.",),
}
MANAGER_ACTIONS: Final[Phrases] = {
    "pl": ("Przypomnieć zespołowi o pożegnaniu każdego klienta.",
           "Omówić na odprawie standard powitania."),
    "ru": ("Напомнить смене прощаться с каждым гостем.",
           "Разобрать на планёрке стандарт приветствия."),
    "uk": ("Нагадати зміні прощатися з кожним покупцем.",
           "Обговорити на планерці стандарт привітання."),
}  # fmt: skip
