"""Deterministic demo data: a fictional volunteer community's year, as the files it would have.

Writes single-chat `result.json` files exactly as Telegram Desktop exports them (chat object with
`name`, `type`, `id`, `messages`), and its events (write_demo_events): a Zoom participants report
and a Google Forms responses CSV per monthly online meeting, and the registration forms of two
offline events the manager enters in the app. Same arguments give byte-identical files.
load_demo (`python -m pipelines demo`) writes all of it, lists it in pulse.toml and loads it.

Times: `date` is the local time of the "exporting computer" (Europe/Moscow, no offset) and
`date_unixtime` the UTC epoch seconds as a string. Moscow has been fixed UTC+3 without DST since
October 2014, so a constant offset is exact for every date this module generates and keeps the
million-message benchmark fast.

CLI: python -m pipelines.demo OUT_DIR [--messages N] [--members N] [--end YYYY-MM-DD] [--seed N]
"""

from __future__ import annotations

import argparse
import csv
import heapq
import json
import logging
import random
import uuid
from bisect import bisect
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.accounts import OPERATOR

if TYPE_CHECKING:
    from pipelines.ingest import IngestResult

__all__ = [
    "write_demo_exports",
    "write_demo_events",
    "write_chat_export",
    "load_demo",
    "main",
]

log = logging.getLogger("pipelines")

MSK = timezone(timedelta(hours=3), "MSK")  # Europe/Moscow: UTC+3, no DST since 2014
_OFFSET = 3 * 3600
_DAY = 86400
_DAYS = 365  # the export covers the 365 days ending at `end` (inclusive)
_NEVER = 1 << 62

CHAT_NAME = "Волонтёры Города 💚"
CHAT_ID = 1873245519
CHANNEL_NAME = "Волонтёры Города | Новости"
CHANNEL_ID = 1654783021
CHAT_FILE = "telegram_chat_result.json"
CHANNEL_FILE = "telegram_channel_result.json"
BENCH_FILE = "bench_result.json"
NOT_INCLUDED = "(File not included. Change data exporting settings to download.)"

_TEAM_SIZE = 5
_DEMO_MESSAGES_PER_MEMBER = 38

_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False).encode

# --------------------------------------------------------------------------- time helpers

_EPOCH_DATE = date(1970, 1, 1)
_DAY_PREFIX: dict[int, str] = {}
_HMS: list[str] = []  # "HH:MM:SS" for every second of a day, built on first use

# Relative activity per local hour (evening peak) and per weekday (Mon..Sun).
_HOUR_W = [
    0.25, 0.12, 0.06, 0.04, 0.03, 0.05, 0.15, 0.45, 0.85, 1.1, 1.2, 1.2,
    1.3, 1.25, 1.15, 1.15, 1.2, 1.35, 1.7, 2.0, 2.1, 1.9, 1.4, 0.7,
]  # fmt: skip
_HOUR_CW = list(accumulate(_HOUR_W))
_WEEKDAY_W = [1.1, 1.05, 1.1, 1.05, 0.95, 0.75, 0.65]


def _local(ts: int) -> str:
    """Epoch seconds -> Moscow local time as Telegram writes it ("YYYY-MM-DDTHH:MM:SS")."""
    day, sec = divmod(ts + _OFFSET, _DAY)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = _DAY_PREFIX[day] = (_EPOCH_DATE + timedelta(days=day)).isoformat() + "T"
        if not _HMS:
            _HMS.extend(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60)
                        for s in range(60))  # fmt: skip
    return prefix + _HMS[sec]


def _midnight(d: date) -> int:
    """Epoch seconds of 00:00 Moscow time on `d`."""
    return (d - _EPOCH_DATE).days * _DAY - _OFFSET


def _hour_offset(rng: random.Random) -> int:
    """Seconds after local midnight, following the daily activity curve."""
    hour = bisect(_HOUR_CW, rng.random() * _HOUR_CW[-1])
    return min(hour, 23) * 3600 + int(rng.random() * 3600)


def _today_msk() -> date:
    return datetime.now(MSK).date()


# --------------------------------------------------------------------------- vocabulary

_MALE_FIRST = [
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Василий", "Виктор",
    "Владимир", "Владислав", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь", "Илья", "Кирилл",
    "Константин", "Максим", "Михаил", "Никита", "Николай", "Олег", "Павел", "Роман", "Руслан",
    "Сергей", "Степан", "Тимур", "Фёдор", "Юрий", "Ярослав", "Глеб", "Матвей", "Денис",
]  # fmt: skip
_FEMALE_FIRST = [
    "Анастасия", "Анна", "Алина", "Валерия", "Варвара", "Вера", "Виктория", "Дарья", "Ева",
    "Екатерина", "Елена", "Елизавета", "Ирина", "Ксения", "Любовь", "Маргарита", "Марина",
    "Мария", "Надежда", "Наталья", "Ольга", "Полина", "Светлана", "София", "Татьяна", "Юлия",
    "Алёна", "Вероника", "Кристина", "Милана", "Людмила", "Галина", "Евгения", "Арина",
]  # fmt: skip
_UK_MALE_FIRST = ["Тарас", "Богдан", "Остап", "Олесь", "Мирослав", "Назар", "Андрій", "Петро"]
_UK_FEMALE_FIRST = ["Оксана", "Олеся", "Соломія", "Ярослава", "Ганна", "Мирослава", "Христина"]
_MALE_LAST = [
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров",
    "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов", "Марков", "Миронов",
    "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов",
    "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Горбунов", "Островский", "Ковальский", "Жуковский", "Березин", "Калинин", "Пестов",
]  # fmt: skip
_UK_LAST = [
    "Шевченко", "Коваленко", "Бондаренко", "Ткаченко", "Кравчук", "Мельник", "Бойко", "Савчук",
    "Гнатюк", "Литвиненко", "Ковальчук", "Поліщук", "Марченко", "Лысенко", "Руденко",
]  # fmt: skip
_NICK_STEMS = [
    "sunny", "dobro", "eco", "kot", "lisa", "misha", "sasha", "lena", "vlad", "nika", "dasha",
    "tim", "zhenya", "katya", "olya", "max", "sveta", "kira", "volonter", "green", "bim",
]  # fmt: skip
_NAME_EMOJI = ["🌻", "🐾", "🌿", "✨", "💚", "🦊", "☀️"]
_HANDLE_SUFFIXES = ["koordinator", "volonter", "dobro", "gorod", "help"]
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
})  # fmt: skip

# (accusative "на X", genitive "итоги X", hashtag)
_EVENTS = [
    ("субботник в Центральном парке", "субботника в Центральном парке", "субботник"),
    ("уборку берега реки Светлой", "уборки берега реки Светлой", "экология"),
    ("выгул собак в приюте «Верный друг»", "выгула собак в приюте «Верный друг»", "приют"),
    ("сбор тёплых вещей", "сбора тёплых вещей", "сборпомощи"),
    ("посадку деревьев на Заречной", "посадки деревьев на Заречной", "экология"),
    ("донорскую акцию", "донорской акции", "донорство"),
    ("раздачу продуктовых наборов", "раздачи продуктовых наборов", "помощьпожилым"),
    ("мастер-класс в детском доме", "мастер-класса в детском доме", "дети"),
    ("благотворительную ярмарку", "благотворительной ярмарки", "ярмарка"),
    ("сбор вторсырья", "сбора вторсырья", "экология"),
    ("ремонт вольеров в приюте", "ремонта вольеров в приюте", "приют"),
    ("забег «Добрые километры»", "забега «Добрые километры»", "спорт"),
]
_PLACES = [
    "главного входа в Центральный парк", "ДК «Строитель»", "памятника на Соборной площади",
    "метро «Заречная»", "фонтана на набережной", "библиотеки имени Горького",
    "остановки «Школа №12»", "ворот приюта «Верный друг»",
]  # fmt: skip
_DAYS_WORDS = [
    "в субботу", "в воскресенье", "завтра", "в пятницу вечером", "на этих выходных",
    "в следующую субботу",
]  # fmt: skip
_TIMES = ["в 9:00", "в 9:30", "в 10:00", "в 11:00", "в 12:00", "в 18:30"]
_ITEMS = [
    "корм для собак", "корм для кошек", "крупы и консервы", "тёплые вещи", "одеяла и пледы",
    "средства гигиены", "канцтовары для детей", "пелёнки", "книги для библиотеки",
]  # fmt: skip
_ADDRESSES = ["ул. Ленина, 14", "Садовую, 3 (вход со двора)", "пр. Мира, 27, офис 5",
              "ул. Гагарина, 8"]  # fmt: skip
_METRO = ["Заречная", "Центральная", "Парковая", "Вокзальная", "Спортивная"]
_PAST = ["в субботу", "вчера", "в воскресенье", "на выходных"]
_HELP_AREAS = ["приютом", "субботниками", "сбором вещей", "организацией мероприятий",
               "соцсетями", "фотосъёмкой", "доставкой помощи пожилым"]  # fmt: skip
_HASHTAGS = ["#волонтёрыгорода", "#добрыедела", "#помогаемвместе"]
_PARTNERS = ["Фонд «Рука помощи»", "Приют «Верный друг»", "Экоцентр «Зелёный город»",
             "Новости Города", CHANNEL_NAME]  # fmt: skip
_FORWARD_TEXTS = [
    "Фонд «Рука помощи» ищет волонтёров для разбора гуманитарной помощи в эти выходные.",
    "Нужны временные передержки для трёх щенков, все привиты и очень ласковые.",
    "Станция переливания крови приглашает доноров всех групп в эту субботу с 9 до 13.",
    "Экоцентр «Зелёный город» принимает пластик и батарейки каждую субботу с 10 до 16.",
    "В городской библиотеке открылся пункт сбора книг для сельских школ.",
    "Ищем волонтёров-водителей для доставки продуктов пожилым людям по средам.",
]
_STICKER_EMOJI = ["👍", "😂", "❤", "🙏", "😍", "🔥", "🐶", "😊", "👏", "🤝"]
_REACTION_EMOJI = ["👍", "❤", "🔥", "🙏", "👏", "😁", "🎉", "💯", "❤‍🔥", "😢"]
_REACTION_CW = list(accumulate([40, 25, 12, 8, 7, 4, 3, 2, 2, 1]))

# Questions by topic; answers for the same topic fit them.
_QUESTIONS: dict[str, list[str]] = {
    "time": ["Кто знает, во сколько сбор {day}?", "Во сколько начинаем {day}?",
             "До скольки примерно будем работать {day}?", "Во сколько заканчиваем {day}?"],
    "place": ["А где встречаемся {day}?", "Подскажите, где точка сбора на {event}?",
              "Как вас найти на месте? Есть ориентир?", "Сбор там же, где в прошлый раз?"],
    "bring": ["Что взять с собой на {event}?", "Перчатки и мешки выдадут или свои брать?",
              "Нужна какая-то особая одежда? Обещают дождь", "Воду и перекус свои брать?"],
    "kids": ["Можно прийти с ребёнком на {event}?", "С подростком 14 лет можно участвовать?",
             "С собакой можно прийти?"],
    "register": ["Нужна ли регистрация на {event}?", "Где записаться на {event}?",
                 "Есть ещё места на {event} {day}?", "Форма регистрации уже закрыта?"],
    "donate": ["Куда можно привезти {item}?", "Приют ещё принимает {item}?",
               "Можно передать {item} через кого-то из вас?", "До какого числа принимаете {item}?"],
    "transport": ["Кто-нибудь едет от метро «{metro}»? Можно с вами?",
                  "Есть ли трансфер до приюта?", "Где там можно припарковаться?"],
    "certificate": ["А справку о волонтёрских часах дают?",
                    "Можно получить благодарственное письмо для школы?",
                    "Часы на dobro.ru засчитываются?"],
    "newbie": ["Я тут недавно, с чего лучше начать?", "Как попасть в команду координаторов?",
               "Есть ли инструктаж для новичков?", "Можно помогать удалённо, например с дизайном?"],
}  # fmt: skip
_ANSWERS: dict[str, list[str]] = {
    "time": ["Сбор {time}, начинаем сразу после инструктажа.",
             "Начинаем {time}, опоздавших ждём минут 15.",
             "Обычно заканчиваем к 14:00, но можно уйти раньше.", "Часа три-четыре, не больше."],
    "place": ["Встречаемся у {place}, будем с зелёным флагом.",
              "Точка сбора — у {place}, карта в закрепе.",
              "Ищите ребят в зелёных жилетах у {place}."],
    "bring": ["Перчатки и мешки выдадим, воду лучше взять свою.",
              "Удобную обувь, воду и хорошее настроение 🙂",
              "Всё выдадим, только оденьтесь по погоде.", "Перекус будет, чай тоже привезём."],
    "kids": ["Да, с детьми можно, только под присмотром взрослых.",
             "Можно, для детей будет отдельная зона.",
             "С 14 лет можно, с письменным согласием родителей.",
             "С собакой лучше не надо, в приюте животные нервничают."],
    "register": ["Регистрация обязательна, ссылка в закреплённом сообщении.",
                 "Места ещё есть, заполните форму в закрепе.",
                 "Записывайтесь через форму, она открыта до пятницы.", "Да, места есть, ждём!"],
    "donate": ["Привозите на {address}, с 10 до 20 каждый день.",
               "Принимает, особенно сейчас нужны крупы и корм.",
               "Да, можно передать на ближайшем сборе.",
               "Принимаем до конца месяца, потом отвезём всё в приют."],
    "transport": ["От метро идёт автобус №12, выходите на конечной.",
                  "Есть машина, напишите мне в личку.",
                  "Парковка есть у главного входа, бесплатная.",
                  "Можем организовать трансфер, если наберётся человек пять."],
    "certificate": ["Да, справки выдаём по запросу после мероприятия.",
                    "Напишите в личку, подготовим письмо.",
                    "Да, часы отмечаем на dobro.ru, не забудьте там зарегистрироваться."],
    "newbie": ["Приходите на ближайший субботник, там всё и расскажем!",
               "Инструктаж перед каждым выездом, ничего сложного.",
               "Напишите мне в личку, подберём задачу по душе.",
               "Конечно! Нам очень нужна помощь с дизайном и соцсетями."],
}  # fmt: skip
_THANKS = ["Спасибо!", "Спасибо большое!", "Понятно, спасибо 👍", "Отлично, спасибо!",
           "Благодарю 🙏", "Ок, тогда до встречи!", "Супер, спасибо за ответ"]  # fmt: skip
# str: gender-neutral; (male, female) pairs otherwise.
_CHATTER: list[str | tuple[str, str]] = [
    "Всем привет! 👋", "Отличная была акция, до встречи на следующей!",
    "Спасибо всем, кто пришёл {past}! Было здорово 💚", "Я тоже буду {day}", "Присоединяюсь!",
    "+1", "Поддерживаю 👍", "Договорились", "Супер!", "Хорошая идея",
    "Могу подвезти двоих от метро «{metro}» {day}.",
    "Вчера гуляли с собаками из приюта, Бим передаёт всем привет 🐶",
    "В приюте срочно нужны пелёнки и корм для щенков", "Фотографии с прошлой акции огонь 🔥",
    "Кто-то забыл термос на точке сбора, он у меня.", "Обещают дождь {day}, берите дождевики",
    "Какие вы молодцы, ребята!", "У меня есть лишние перчатки, могу принести",
    "Могу помочь с фотосъёмкой на {event}", "Завтра занесу {item} в пункт сбора",
    "Как здорово, что нас становится больше!",
    "Поделитесь, пожалуйста, постом о сборе у себя в соцсетях",
    "Кстати, {day} ещё и ярмарка в парке, можно совместить", "Сегодня не смогу, простите 😔",
    "Буду первый раз, немного волнуюсь 🙂", "Ура, наконец-то потеплело 🌿",
    ("Я записался на {event}!", "Я записалась на {event}!"),
    ("Привёз {item} в пункт сбора, всё передал", "Привезла {item} в пункт сбора, всё передала"),
    ("Я сделал фото, скину в общий альбом", "Я сделала фото, скину в общий альбом"),
    ("Очень рад, что присоединился к вам!", "Очень рада, что присоединилась к вам!"),
    ("Вчера был в приюте, котята уже подросли", "Вчера была в приюте, котята уже подросли"),
]  # fmt: skip
_TEAM_CHATTER: list[str | tuple[str, str]] = [
    "Напоминаю: форма регистрации в закрепе, отмечайтесь, пожалуйста",
    "Всем спасибо за сегодня, вы супер! 💚", "Фотоотчёт скоро будет в канале",
    "Ребята, кто ещё не отметился в форме — отметьтесь до вечера", "Ждём всех {day}!",
    "Договорились 👍", "Отлично!", "Принято, спасибо", ("Записал, спасибо!", "Записала, спасибо!"),
    "Нам нужны ещё двое на {event}, отзовитесь!", "Пункт сбора на {address} работает как обычно",
    "Если есть вопросы — пишите сюда или мне в личку", "Спасибо, что откликнулись!",
]  # fmt: skip
_CAPTIONS = ["Фото с {past_event} 📸", "Вот как было {past}", "Наш пункт сбора сегодня",
             "Бим и его новые друзья 🐶", "Результат работы 💪"]  # fmt: skip
_GREETINGS: list[str | tuple[str, str]] = [
    "Всем привет! Я {first}, хочу помогать с {help} 🙌",
    ("Здравствуйте! Меня зовут {first}, рад быть с вами",
     "Здравствуйте! Меня зовут {first}, рада быть с вами"),
    ("Привет! Давно хотел к вам присоединиться", "Привет! Давно хотела к вам присоединиться"),
    ("Всем привет! Я новенький, пока осматриваюсь", "Всем привет! Я новенькая, пока осматриваюсь"),
    ("Добрый вечер! Готов помогать по выходным", "Добрый вечер! Готова помогать по выходным"),
]  # fmt: skip
_WELCOMES = ["Добро пожаловать, {first}! 💚",
             "Привет, {first}! Рады видеть, загляни в закреп — там всё важное",
             "{first}, добро пожаловать! Ближайшие события в закреплённом сообщении"]  # fmt: skip
_ANNOUNCEMENTS = [
    "Друзья, {day} проводим {event}! Сбор {time} у {place}. Перчатки и мешки выдадим.",
    "Открываем сбор: {item}. Пункт приёма — {address}, до конца месяца.",
    "Напоминаем: {day} идём на {event}! Не забудьте удобную обувь и воду.",
    "Итоги {gen}: нас было {n} человек! Спасибо всем, кто пришёл 💚",
    "Нужны водители {day}: отвезти {item} в приют «Верный друг». Отзовитесь, пожалуйста!",
    "Ищем {n} волонтёров на {event} {day}. Записывайтесь по ссылке в закрепе.",
    "Важно: место сбора изменилось, {day} встречаемся у {place}.",
    "Спасибо всем, кто помог в этом месяце! Собрали {m} кг корма и круп для приюта.",
    "Публикуем фотоотчёт с {gen} — смотрите в нашем канале!",
    "Друзья, в приюте «Верный друг» заканчивается корм. Если можете помочь — пишите мне.",
]
_CHANNEL_POSTS = _ANNOUNCEMENTS + [
    "Фотоотчёт с {gen} 📸 Спасибо всем {n} участникам!",
    "Итоги месяца: {k} акций, {n} волонтёров и {m} кг помощи. Вы лучшие! 💚",
    "История недели: благодаря вам пёс Бим нашёл новый дом 🐶",
    "Как стать волонтёром: заполните анкету, приходите на встречу новичков и выбирайте дело.",
]


def _fill(rng: random.Random, template: str) -> str:
    """Fill a text template's slots ({day}, {event}, {place}, ...) with random values."""
    event, gen, _tag = rng.choice(_EVENTS)
    return template.format(
        day=rng.choice(_DAYS_WORDS),
        event=event,
        gen=gen,
        past_event=gen,
        place=rng.choice(_PLACES),
        time=rng.choice(_TIMES),
        item=rng.choice(_ITEMS),
        address=rng.choice(_ADDRESSES),
        metro=rng.choice(_METRO),
        past=rng.choice(_PAST),
        help=rng.choice(_HELP_AREAS),
        n=rng.randint(8, 60),
        m=rng.randint(15, 300),
        k=rng.randint(4, 12),
    )


def _bank(rng: random.Random, templates: list, size: int) -> list:
    """Pre-render `size` filled texts; gendered templates render to (male, female) pairs."""
    out = []
    for _ in range(size):
        t = rng.choice(templates)
        if isinstance(t, tuple):
            state = rng.getstate()
            male = _fill(rng, t[0])
            rng.setstate(state)
            out.append((male, _fill(rng, t[1])))
        else:
            out.append(_fill(rng, t))
    return out


def _plain(text: str) -> tuple[str, list]:
    return text, ([{"type": "plain", "text": text}] if text else [])


def _pieces(parts: list) -> tuple[list, list]:
    """`parts` = strings and (entity_type, text) pairs -> Telegram `text` array + entities."""
    text: list = []
    entities = []
    for part in parts:
        if isinstance(part, str):
            text.append(part)
            entities.append({"type": "plain", "text": part})
        else:
            piece = {"type": part[0], "text": part[1]}
            text.append(piece)
            entities.append(dict(piece))
    return text, entities


# --------------------------------------------------------------------------- community


class _Person:
    __slots__ = (
        "name", "first", "uid", "female", "team", "post_w", "react_w",
        "join_ts", "leave_ts", "handle", "seen",
    )  # fmt: skip

    def __init__(self, name: str, first: str, uid: str, female: bool) -> None:
        self.name = name
        self.first = first
        self.uid = uid
        self.female = female
        self.team = False
        self.post_w = 0.0
        self.react_w = 1.0
        self.join_ts = 0
        self.leave_ts = _NEVER
        self.handle = ""
        self.seen = False  # appears as from_id / actor_id in the chat export

    def present(self, ts: int) -> bool:
        return self.join_ts <= ts < self.leave_ts


def _feminine(last: str) -> str:
    if last.endswith(("ов", "ев", "ёв", "ин")):
        return last + "а"
    if last.endswith("ский"):
        return last[:-4] + "ская"
    return last


def _make_people(rng: random.Random, count: int) -> list[_Person]:
    people: list[_Person] = []
    names: set[str] = set()
    uids: set[str] = set()
    for i in range(count):
        female = rng.random() < 0.58  # volunteer communities skew female
        ukrainian = rng.random() < 0.12
        for attempt in range(8):
            if ukrainian:
                first = rng.choice(_UK_FEMALE_FIRST if female else _UK_MALE_FIRST)
                last = rng.choice(_UK_LAST)
            else:
                first = rng.choice(_FEMALE_FIRST if female else _MALE_FIRST)
                last = rng.choice(_MALE_LAST)
                if female:
                    last = _feminine(last)
            r = rng.random() if i >= _TEAM_SIZE else rng.random() * 0.6
            if r < 0.58:
                name = f"{first} {last}"
            elif r < 0.72:
                name = first
            elif r < 0.82:
                name = f"{first} {last[0]}."
            elif r < 0.86:
                name = f"{last} {first}"
            elif r < 0.93:
                name = f"{first} {rng.choice(_NAME_EMOJI)}"
            else:
                name = f"{rng.choice(_NICK_STEMS)}_{rng.randint(1, 2009)}"
            if attempt == 7 and name in names:
                name = f"{rng.choice(_NICK_STEMS)}_{first[:1]}{rng.randint(10, 99999)}"
            if name not in names:
                break
        names.add(name)
        while True:
            uid = f"user{rng.randrange(100_000_000, 7_999_999_999)}"
            if uid not in uids:
                uids.add(uid)
                break
        people.append(_Person(name, first, uid, female))
    return people


class _Community:
    """People, team and the membership timeline (joins, invites, leaves) of one export year."""

    def __init__(self, *, members: int, seed: int, end: date) -> None:
        if members < 1:
            raise ValueError("members must be >= 1")
        rng = random.Random(f"community:{seed}")
        self.seed = seed
        self.start_ts = _midnight(end - timedelta(days=_DAYS - 1))
        self.end_ts = self.start_ts + _DAYS * _DAY - 1
        self.create_ts = self.start_ts + 11 * 3600 + rng.randrange(3600)
        self.people = people = _make_people(rng, members)
        self.team = team = people[: min(_TEAM_SIZE, members)]
        team[0].name += " | координатор"
        for i, p in enumerate(team):
            p.team = True
            p.post_w = rng.uniform(6.0, 12.0)
            p.react_w = 4.0
            p.handle = f"{p.first.lower().translate(_TRANSLIT)}_{_HANDLE_SUFFIXES[i % 5]}"
            p.join_ts = self.create_ts
        for p in people[len(team) :]:
            p.post_w = 0.0 if rng.random() < 0.42 else min(22.0, rng.paretovariate(1.3))
            p.react_w = 1.0 + 0.5 * p.post_w
        self._timeline(rng)

    def day_of(self, ts: int) -> int:
        return (ts - self.start_ts) // _DAY

    def _timeline(self, rng: random.Random) -> None:
        """Join/leave times and the service events announcing them, bucketed per day."""
        others = self.people[len(self.team) :]
        join_w = []
        for d in range(_DAYS):
            x = d / (_DAYS - 1)
            wd = (self.start_ts + d * _DAY + _OFFSET) // _DAY % 7  # 0 = Thursday (1970-01-01)
            burst = rng.uniform(2.0, 4.0) if rng.random() < 0.04 else 1.0
            join_w.append((0.3 + 1.7 * x**1.5) * _WEEKDAY_W[(wd + 3) % 7] * burst)
        join_cw = list(accumulate(join_w))
        joiners: list[_Person] = []
        pre: list[_Person] = []
        for p in others:
            if rng.random() < 0.03:  # in the group before it was exported; no join message
                p.join_ts = self.create_ts
                pre.append(p)
                continue
            d = min(bisect(join_cw, rng.random() * join_cw[-1]), _DAYS - 1)
            p.join_ts = max(self.start_ts + d * _DAY + _hour_offset(rng), self.create_ts + 60)
            joiners.append(p)
        for p in pre + joiners:
            if rng.random() < 0.27:
                stay = int(rng.expovariate(1 / (40 * _DAY))) + rng.randrange(600, 3 * 3600)
                if p.join_ts + stay <= self.end_ts:
                    p.leave_ts = p.join_ts + stay
        joiners.sort(key=lambda p: p.join_ts)

        seq = 0
        events: list[tuple] = [(self.create_ts, seq, "create", self.team[0], None)]
        pool: list[_Person] = list(self.team) + pre  # members who can invite
        i = 0
        while i < len(joiners):
            p = joiners[i]
            seq += 1
            if rng.random() < 0.25:
                inviter = self.team[0]
                for _ in range(8):
                    cand = rng.choice(pool)
                    if cand.present(p.join_ts):
                        inviter = cand
                        break
                group = [p]
                if i + 1 < len(joiners) and rng.random() < 0.15:
                    buddy = joiners[i + 1]
                    buddy.join_ts = p.join_ts  # invited together; still before buddy.leave_ts
                    group.append(buddy)
                    i += 1
                events.append((p.join_ts, seq, "invite", inviter, group))
                pool.extend(group)
            else:
                events.append((p.join_ts, seq, "link", p, None))
                pool.append(p)
            i += 1
        for p in pre + joiners:
            if p.leave_ts != _NEVER:
                seq += 1
                admin = rng.choice(self.team) if rng.random() < 0.08 else None
                events.append((p.leave_ts, seq, "leave", p, admin))
        events.sort(key=lambda e: (e[0], e[1]))
        self.service_count = len(events)
        self.services: list[list[tuple]] = [[] for _ in range(_DAYS)]
        for e in events:
            self.services[self.day_of(e[0])].append(e)

        # Present posting weight per day drives how busy the chat is.
        diff = [0.0] * (_DAYS + 1)
        for p in self.people:
            if p.post_w:
                diff[self.day_of(p.join_ts)] += p.post_w
                if p.leave_ts != _NEVER:
                    diff[self.day_of(p.leave_ts)] -= p.post_w
        self.present_w = list(accumulate(diff))[:_DAYS]

    def allocate(self, rng: random.Random, total: int) -> list[int]:
        """Split `total` regular messages over the days (growth, weekdays, noise, busy days)."""
        weights = []
        for d in range(_DAYS):
            wd = ((self.start_ts + d * _DAY + _OFFSET) // _DAY + 3) % 7
            burst = rng.uniform(1.8, 3.0) if rng.random() < 0.05 else 1.0
            noise = rng.lognormvariate(0.0, 0.25)
            weights.append((max(self.present_w[d], 0.0) + 8.0) ** 0.85 * _WEEKDAY_W[wd] * noise)
            weights[-1] *= burst
        cw = list(accumulate(weights))
        out, prev = [], 0
        for c in cw:
            cur = round(total * c / cw[-1])
            out.append(cur - prev)
            prev = cur
        return out


# --------------------------------------------------------------------------- chat stream


class _ChatGen:
    def __init__(self, com: _Community, messages: int) -> None:
        self.com = com
        self.total = messages
        self.rng = random.Random(f"chat:{com.seed}")
        self.rnd = self.rng.random
        rng = self.rng
        self.q_bank = {
            t: [_fill(rng, self._ch(qs)) for _ in range(40)] for t, qs in sorted(_QUESTIONS.items())
        }
        self.topics = sorted(_QUESTIONS)
        self.a_bank = {
            t: [_fill(rng, self._ch(a)) for _ in range(40)] for t, a in sorted(_ANSWERS.items())
        }
        self.chatter = _bank(rng, _CHATTER, 400)
        self.captions = _bank(rng, _CAPTIONS, 60)
        self.announcements = _bank(rng, _ANNOUNCEMENTS, 200)
        self.team_chatter = _bank(rng, _TEAM_CHATTER, 100)
        self.greetings = _GREETINGS
        self.heap: list[tuple] = []
        self.seq = 0
        self.recent: deque[tuple[int, _Person]] = deque(maxlen=40)
        self.last_id = 0
        self.posters: list[_Person] = []
        self.poster_cw: list[float] = []
        self.reactors: list[_Person] = []
        self.reactor_cw: list[float] = []

    # -- helpers
    def _ch(self, seq: list):
        """rng.choice without its per-call overhead (hot path of the 1M-message benchmark)."""
        return seq[int(self.rnd() * len(seq))]

    def _next_id(self) -> int:
        self.last_id += 1 if self.rng.random() > 0.02 else self.rng.randint(2, 4)
        return self.last_id

    def _push(self, due: int, *item) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (due, self.seq, *item))

    def _day_lists(self, lo: int, hi: int) -> None:
        posters, reactors = [], []
        for p in self.com.people:
            if p.join_ts < hi and p.leave_ts > lo:
                reactors.append(p)
                if p.post_w:
                    posters.append(p)
        self.posters, self.reactors = posters, reactors
        self.poster_cw = list(accumulate(p.post_w for p in posters))
        self.reactor_cw = list(accumulate(p.react_w for p in reactors))

    def _pick_poster(self, ts: int, exclude: _Person | None = None) -> _Person:
        if self.posters:
            rnd, cw, total = self.rnd, self.poster_cw, self.poster_cw[-1]
            for _ in range(6):
                p = self.posters[bisect(cw, rnd() * total)]
                if p is not exclude and p.join_ts <= ts < p.leave_ts:
                    return p
        return self._team_member(exclude)

    def _team_member(self, exclude: _Person | None = None) -> _Person:
        team = self.com.team
        p = self._ch(team)
        if p is exclude and len(team) > 1:
            p = team[(team.index(p) + 1) % len(team)]
        return p

    def _slot_times(self, k: int, lo: int, hi: int, day_start: int) -> list[int]:
        rng = self.rng
        centers = [day_start + _hour_offset(rng) for _ in range(1 + k // 15)]
        out = []
        for _ in range(k):
            if rng.random() < 0.55:
                t = self._ch(centers) + int(rng.expovariate(1 / 900))
            else:
                t = day_start + _hour_offset(rng)
            if t < lo or t >= hi:
                t = lo + rng.randrange(hi - lo)
            out.append(t)
        out.sort()
        return out

    def _reactions(self, ts: int, author: _Person, mean: float) -> list | None:
        rng = self.rng
        count = int(rng.expovariate(1 / mean)) + 1
        taken = {author.uid}
        out = []
        for _ in range(2 if count >= 2 and rng.random() < 0.2 else 1):
            emoji = _REACTION_EMOJI[bisect(_REACTION_CW, rng.random() * _REACTION_CW[-1])]
            if out and emoji == out[0]["emoji"]:
                break
            recent = []
            if self.reactors:
                cw, total = self.reactor_cw, self.reactor_cw[-1]
                for _ in range(min(count, 3) * 3):
                    p = self.reactors[bisect(cw, rng.random() * total)]
                    if p.uid not in taken and p.present(ts):
                        taken.add(p.uid)
                        recent.append(p)
                        if len(recent) == min(count, 3):
                            break
            if not recent:
                break
            if count <= 3:
                count = len(recent)
            stamps = sorted(
                (min(ts + 3 + int(rng.lognormvariate(7.0, 1.3)), self.com.end_ts) for _ in recent),
                reverse=True,
            )
            out.append(
                {
                    "type": "emoji",
                    "count": count,
                    "emoji": emoji,
                    "recent": [
                        {"from": p.name, "from_id": p.uid, "date": _local(t)}
                        for p, t in zip(recent, stamps, strict=True)
                    ],
                }
            )
            count = int(rng.expovariate(1 / max(mean / 3, 0.5))) + 1
        return out or None

    def _msg(
        self,
        mid: int,
        ts: int,
        p: _Person,
        text: str,
        *,
        reply_to: int | None = None,
        rich: float = 0.08,
        react: float = 0.3,
        react_mean: float = 1.5,
        edit: float = 0.05,
        forwarded: str | None = None,
        media: dict | None = None,
    ) -> dict:
        rng = self.rng
        p.seen = True
        m = {"id": mid, "type": "message", "date": _local(ts), "date_unixtime": str(ts)}
        if text and rng.random() < edit:
            e = ts + rng.randrange(15, 2400)
            if e <= self.com.end_ts:
                m["edited"] = _local(e)
                m["edited_unixtime"] = str(e)
        m["from"] = p.name
        m["from_id"] = p.uid
        if forwarded:
            m["forwarded_from"] = forwarded
        if reply_to is not None:
            m["reply_to_message_id"] = reply_to
        if media:
            m.update(media)
        if text and rng.random() < rich:
            m["text"], m["text_entities"] = _pieces(self._rich_parts(text, p))
        else:
            m["text"], m["text_entities"] = _plain(text)
        if rng.random() < react:
            reactions = self._reactions(ts, p, react_mean)
            if reactions:
                m["reactions"] = reactions
        self.recent.append((mid, p))
        return m

    def _rich_parts(self, text: str, author: _Person) -> list:
        rng = self.rng
        kind = rng.random()
        if kind < 0.3:
            other = self._team_member(author)
            return [("mention", "@" + other.handle), ", " + text[0].lower() + text[1:]]
        if kind < 0.55:
            return [text + " ", ("hashtag", self._ch(_HASHTAGS))]
        if kind < 0.8:
            return [("bold", "Важно!"), " " + text]
        return [
            text + " Подробности: ",
            ("link", f"https://t.me/volonter_goroda/{rng.randint(2, 900)}"),
        ]

    def _media(self) -> dict:
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            return {"photo": NOT_INCLUDED, "width": 1280, "height": self._ch([720, 960, 1707])}
        if r < 0.85:
            return {
                "file": NOT_INCLUDED,
                "thumbnail": NOT_INCLUDED,
                "media_type": "sticker",
                "sticker_emoji": self._ch(_STICKER_EMOJI),
                "width": 512,
                "height": 512,
            }
        return {
            "file": NOT_INCLUDED,
            "media_type": "voice_message",
            "mime_type": "audio/ogg",
            "duration_seconds": rng.randint(3, 95),
        }

    def _gendered(self, text: str | tuple[str, str], p: _Person) -> str:
        if isinstance(text, tuple):
            return text[1] if p.female else text[0]
        return text

    # -- message kinds
    def _service(self, mid: int, ts: int, actor: _Person, action: str, **extra) -> dict:
        actor.seen = True
        m = {
            "id": mid,
            "type": "service",
            "date": _local(ts),
            "date_unixtime": str(ts),
            "actor": actor.name,
            "actor_id": actor.uid,
            "action": action,
        }
        m.update(extra)
        m["text"] = ""
        m["text_entities"] = []
        return m

    def _membership(self, mid: int, ev: tuple) -> dict:
        ts, _seq, kind, who, extra = ev
        rng = self.rng
        if kind == "create":
            return self._service(
                mid,
                ts,
                who,
                "create_group",
                title=CHAT_NAME,
                members=[p.name for p in self.com.team],
            )
        if kind == "leave":
            if extra is not None:  # removed by an admin
                return self._service(mid, ts, extra, "remove_members", members=[who.name])
            return self._service(mid, ts, who, "remove_members", members=[who.name])
        newcomers = extra if kind == "invite" else [who]
        for p in newcomers:
            if p.post_w and rng.random() < 0.35:
                self._push(ts + rng.randrange(60, 3 * 3600), "greet", p, None, None)
        if kind == "invite":
            return self._service(mid, ts, who, "invite_members", members=[p.name for p in extra])
        return self._service(mid, ts, who, "join_group_by_link", inviter="Group")

    def _pending(self, mid: int, ts: int, item: tuple) -> dict | None:
        _due, _seq, kind, a, b, c = item
        rng = self.rng
        if kind == "answer":  # a = question id, b = asker, c = (answerer, topic)
            answerer, topic = c
            if not answerer.present(ts):
                answerer = self._team_member(b)
            m = self._msg(
                mid,
                ts,
                answerer,
                self._ch(self.a_bank[topic]),
                reply_to=a,
                react=0.35,
                react_mean=1.2,
            )
            if b.present(ts) and rng.random() < 0.3:
                self._push(ts + rng.randrange(30, 2 * 3600), "thanks", mid, b, answerer)
            return m
        if kind == "thanks":  # a = answer id, b = asker
            if not b.present(ts):
                return None
            return self._msg(mid, ts, b, self._ch(_THANKS), reply_to=a, react=0.2)
        if kind == "pin":  # a = message id, b = team member
            return self._service(mid, ts, b, "pin_message", message_id=a)
        if kind == "greet":  # a = newcomer
            if not a.present(ts):
                return None
            text = self._gendered(self._ch(self.greetings), a)
            text = text.format(first=a.first, help=self._ch(_HELP_AREAS))
            m = self._msg(mid, ts, a, text, react=0.8, react_mean=2.5)
            if rng.random() < 0.5:
                host = self._team_member()
                self._push(ts + rng.randrange(60, 4 * 3600), "welcome", mid, a, host)
            return m
        if kind == "welcome":  # a = greeting id, b = newcomer, c = team member
            text = self._ch(_WELCOMES).format(first=b.first)
            return self._msg(mid, ts, c, text, reply_to=a, react=0.5)
        raise AssertionError(kind)

    def _regular(self, mid: int, ts: int) -> dict:
        rng = self.rng
        p = self._pick_poster(ts)
        r = rng.random()
        if p.team:
            if r < 0.12:
                m = self._msg(
                    mid,
                    ts,
                    p,
                    self._ch(self.announcements),
                    rich=0.55,
                    react=0.9,
                    react_mean=6.0,
                    edit=0.15,
                )
                if rng.random() < 0.12:
                    self._push(ts + rng.randrange(20, 900), "pin", mid, p, None)
                return m
            if r < 0.2:
                return self._msg(mid, ts, p, "", media=self._media(), react=0.5, react_mean=2.0)
        else:
            if r < 0.18:
                topic = self._ch(self.topics)
                m = self._msg(mid, ts, p, self._ch(self.q_bank[topic]), react=0.12)
                if rng.random() < 0.82:
                    if rng.random() < 0.6:
                        answerer = self._team_member(p)
                    else:
                        answerer = self._pick_poster(ts, exclude=p)
                    delay = 45 + int(min(rng.lognormvariate(7.3, 1.1), 10 * 3600))
                    self._push(ts + delay, "answer", mid, p, (answerer, topic))
                return m
            if r < 0.28:
                media = self._media()
                caption = ""
                if "photo" in media and rng.random() < 0.35:
                    caption = self._gendered(self._ch(self.captions), p)
                return self._msg(mid, ts, p, caption, media=media, react=0.45, react_mean=2.0)
            if r < 0.3:
                return self._msg(
                    mid, ts, p, self._ch(_FORWARD_TEXTS), react=0.3, forwarded=self._ch(_PARTNERS)
                )
        reply_to = None
        if self.recent and rng.random() < (0.45 if p.team else 0.28):
            back = min(int(rng.expovariate(0.35)), len(self.recent) - 1)
            target_id, target = self.recent[-1 - back]
            if target is not p:
                reply_to = target_id
        bank = self.team_chatter if p.team else self.chatter
        text = self._gendered(self._ch(bank), p)
        return self._msg(mid, ts, p, text, reply_to=reply_to)

    def messages(self) -> Iterator[dict]:
        com, rng = self.com, self.rng
        regular_total = max(0, self.total - com.service_count)
        alloc = com.allocate(rng, regular_total)
        emitted = 0
        for d in range(_DAYS):
            day_start = com.start_ts + d * _DAY
            lo, hi = max(day_start, com.create_ts + 1), day_start + _DAY
            items: list[tuple] = [(e[0], 0, e[1], e) for e in com.services[d]]
            slots = self._slot_times(alloc[d], lo, hi, day_start)
            items.extend((t, 1, i, None) for i, t in enumerate(slots))
            items.sort(key=lambda it: (it[0], it[1], it[2]))
            if d % (1 if len(com.people) <= 3000 else 3) == 0:
                # big communities: refresh every 3 days; picks re-check presence anyway
                self._day_lists(lo, hi + (0 if len(com.people) <= 3000 else 2 * _DAY))
            for ts, _order, _n, ev in items:
                if emitted >= self.total:
                    return
                mid = self._next_id()
                if ev is not None:
                    msg = self._membership(mid, ev)
                else:
                    msg = None
                    while self.heap and self.heap[0][0] <= ts and msg is None:
                        msg = self._pending(mid, ts, heapq.heappop(self.heap))
                    if msg is None:
                        msg = self._regular(mid, ts)
                emitted += 1
                yield msg


# --------------------------------------------------------------------------- channel


def _channel_messages(com: _Community) -> Iterator[dict]:
    rng = random.Random(f"channel:{com.seed}")
    from_id = f"channel{CHANNEL_ID}"
    posts = _bank(rng, _CHANNEL_POSTS, 300)
    captions = _bank(rng, _CAPTIONS, 40)
    created = com.create_ts + 2 * _DAY + rng.randrange(3 * 3600)
    mid = 1
    yield {
        "id": mid,
        "type": "service",
        "date": _local(created),
        "date_unixtime": str(created),
        "actor": CHANNEL_NAME,
        "actor_id": from_id,
        "action": "create_channel",
        "title": CHANNEL_NAME,
        "text": "",
        "text_entities": [],
    }
    week_start = com.start_ts
    while week_start <= com.end_ts:
        days = sorted(rng.sample(range(7), rng.randint(2, 5)))
        for dd in days:
            ts = week_start + dd * _DAY + rng.randrange(9 * 3600, 21 * 3600)
            if ts <= created or ts > com.end_ts:
                continue
            mid += 1 if rng.random() > 0.05 else 2
            m = {"id": mid, "type": "message", "date": _local(ts), "date_unixtime": str(ts)}
            if rng.random() < 0.12:
                e = min(ts + rng.randrange(60, 3 * 3600), com.end_ts)
                m["edited"], m["edited_unixtime"] = _local(e), str(e)
            m["from"], m["from_id"] = CHANNEL_NAME, from_id
            if rng.random() < 0.6:
                author = rng.choice(com.team)
                m["author"] = author.name.split(" | ")[0]
            text = rng.choice(posts)
            if isinstance(text, tuple):
                text = text[0]
            if rng.random() < 0.45:
                m["photo"], m["width"], m["height"] = NOT_INCLUDED, 1280, 960
                if rng.random() < 0.3:
                    text = rng.choice(captions)
                    text = text[0] if isinstance(text, tuple) else text
            if rng.random() < 0.5:
                tag = "#" + rng.choice(_EVENTS)[2]
                parts = [text + "\n\n", ("hashtag", tag), " ", ("hashtag", rng.choice(_HASHTAGS))]
                m["text"], m["text_entities"] = _pieces(parts)
            elif rng.random() < 0.15:
                link = f"https://forms.gle/volonter{rng.randint(100, 999)}"
                parts = [("bold", "Анонс"), f"\n{text}\nРегистрация: ", ("link", link)]
                m["text"], m["text_entities"] = _pieces(parts)
            else:
                m["text"], m["text_entities"] = _plain(text)
            audience = [p for p in com.people if p.seen and p.present(ts)]
            if audience and rng.random() < 0.88:
                reactions = _channel_reactions(rng, ts, audience, com.end_ts)
                if reactions:
                    m["reactions"] = reactions
            yield m
        week_start += 7 * _DAY


def _channel_reactions(rng: random.Random, ts: int, audience: list[_Person], end_ts: int) -> list:
    cw = list(accumulate(p.react_w for p in audience))
    taken: set[str] = set()
    emojis = ["👍", "❤", "🔥", "🙏", "🎉"]
    rng.shuffle(emojis)
    out = []
    share = rng.uniform(0.04, 0.2)
    for emoji in emojis[: rng.randint(1, 4)]:
        count = max(1, int(len(audience) * share))
        share *= rng.uniform(0.15, 0.5)
        recent: list[_Person] = []
        for _ in range(12):
            p = audience[bisect(cw, rng.random() * cw[-1])]
            if p.uid not in taken:
                taken.add(p.uid)
                recent.append(p)
                if len(recent) == min(count, 3):
                    break
        if not recent:
            break
        count = max(count, len(recent))
        stamps = sorted(
            (min(ts + 5 + int(rng.lognormvariate(8.0, 1.4)), end_ts) for _ in recent), reverse=True
        )
        out.append(
            {
                "type": "emoji",
                "count": count,
                "emoji": emoji,
                "recent": [
                    {"from": p.name, "from_id": p.uid, "date": _local(t)}
                    for p, t in zip(recent, stamps, strict=True)
                ],
            }
        )
    return out


# --------------------------------------------------------------------------- writing


def _write_export(path: Path, name: str, kind: str, chat_id: int, msgs: Iterable[dict]) -> Path:
    """Stream a single-chat export: header, one JSON object per message, footer."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f'{{\n "name": {json.dumps(name, ensure_ascii=False)},\n "type": "{kind}",\n'
        f' "id": {chat_id},\n "messages": [\n'
    )
    with path.open("w", encoding="utf-8", newline="\n") as f:
        f.write(header)
        chunk: list[str] = []
        first = True
        for msg in msgs:
            chunk.append(_ENCODE(msg))
            if len(chunk) >= 2000:
                f.write(("" if first else ",\n") + ",\n".join(chunk))
                first, chunk = False, []
        if chunk:
            f.write(("" if first else ",\n") + ",\n".join(chunk))
        f.write("\n ]\n}\n")
    return path


def write_chat_export(
    path: Path, *, messages: int, end: date | None = None, members: int | None = None, seed: int = 7
) -> Path:
    """Write one supergroup chat export with exactly `messages` messages (service messages
    included), streamed to disk. `members` defaults to max(300, messages // 50) and is capped at
    messages // 4 (min 6) so the membership events fit."""
    if messages < 0:
        raise ValueError("messages must be >= 0")
    end = end or _today_msk()
    if members is None:
        members = max(300, messages // 50)
    members = min(members, max(6, messages // 4))
    com = _Community(members=members, seed=seed, end=end)
    gen = _ChatGen(com, messages).messages()
    return _write_export(path, CHAT_NAME, "private_supergroup", CHAT_ID, gen)


def write_demo_exports(
    out_dir: Path, *, end: date | None = None, members: int = 300, seed: int = 7
) -> list[Path]:
    """Write the demo community: a Telegram supergroup chat export and a Telegram channel export,
    ~12 months ending at `end` (default: today). Returns the file paths."""
    out_dir = Path(out_dir)
    end = end or _today_msk()
    com = _Community(members=members, seed=seed, end=end)
    n = max(50, members * _DEMO_MESSAGES_PER_MEMBER)
    chat = _write_export(
        out_dir / CHAT_FILE, CHAT_NAME, "private_supergroup", CHAT_ID, _ChatGen(com, n).messages()
    )
    # The channel runs second: its reactors are people already seen in the chat export.
    channel = _write_export(
        out_dir / CHANNEL_FILE, CHANNEL_NAME, "public_channel", CHANNEL_ID, _channel_messages(com)
    )
    return [chat, channel]


# --------------------------------------------------------------------------- events
#
# The community's events, as the files a manager has: for each monthly online meeting the Zoom
# participants report (the meeting itself is the event, 'zoom:<meeting id>') and the Google
# Forms registrations; for two offline events the manager keeps in the app (a recent субботник
# and an upcoming one) their registration forms. load_demo creates those two through
# warehouse.events and checks people in at the door. Times in the files are Moscow local time.

EVENTS_TIMEZONE = "Europe/Moscow"
ZOOM_DIR = "zoom"
FORMS_DIR = "forms"
DEMO_USER = OPERATOR  # the demo writes as the command line does
BACKUP_ACTIONS = (
    "Напоминание в чате волонтёров\n"
    "Репост у партнёра «Зелёный город»\n"
    "Пост в канале с фото прошлого субботника"
)
_PARTNER = "Экоцентр «Зелёный город»"
_MEDIA_PARTNER = "Городские новости"
_SHELTER = "Приют «Верный друг»"
_SHELTER_TOPIC = "Как помогать приютам: разговор с «Верным другом»"
# who heard of the past субботник from a partner (its form's answers; the partners' projects
# track them as codes)
_PARTNER_ANSWERS = ((_PARTNER, 0.25), (_MEDIA_PARTNER, 0.1))
_ZOOM_EVENTS = 8
_GUESTS = 150  # the people who register for events over the year
_FIRST_WAVE = 40  # of them, those around from the first meeting on
_UPCOMING_REGISTRATIONS = 12
_ZOOM_TOPICS = [
    "Встреча для новичков: как устроены «Волонтёры Города»",
    "Школа координатора: как собрать команду на акцию",
    "Первая помощь для волонтёров: онлайн-лекция",
    "Как помогать приютам: разговор с «Верным другом»",
    "Раздельный сбор: как открыть пункт приёма во дворе",
    "Рассказываем о добрых делах: соцсети для волонтёров",
    "Как не выгореть, помогая другим",
    "Общая встреча: итоги и планы на сезон",
]
_HEARD = [
    ("Чат волонтёров в Telegram", 36),
    (f"Канал «{CHANNEL_NAME}»", 24),
    ("Посоветовали друзья", 16),
    ("ВКонтакте", 10),
    ("Рассылка", 6),
    ("", 8),  # an optional question, left blank
]
_HEARD_CW = list(accumulate(w for _, w in _HEARD))
_FORM_HEADERS = ["Отметка времени", "Адрес электронной почты", "Имя", "Фамилия", "Телефон",
                 "Ник в Telegram"]  # fmt: skip
_ZOOM_HEADERS = ["Name (Original Name)", "User Email", "Join Time", "Leave Time",
                 "Duration (Minutes)", "Guest", "Recording Consent"]  # fmt: skip
_MEETING_HEADERS = ["Meeting ID", "Topic", "Start Time", "End Time", "User Email",
                    "Duration (Minutes)", "Participants"]  # fmt: skip
_PHONE_STYLES = ["+7 {a} {b}-{c}-{d}", "8 ({a}) {b}-{c}-{d}", "+7{a}{b}{c}{d}", "8-{a}-{b}-{c}-{d}"]
_WALK_IN = ("Григорий", "Тихонов", "+7 915 204-33-18")


@dataclass
class _Guest:
    first: str
    last: str
    email: str
    phone: str  # as they type it in a form; "" = they skip the question
    handle: str
    weight: float  # how keen on events
    attend: float  # chance to come when registered
    arrives: int  # the first event (by order) they may register for

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass(frozen=True)
class DemoFile:
    kind: str  # a file source kind: "zoom-participants", "google-forms"
    path: Path
    options: dict[str, str]  # for the loader and pulse.toml


@dataclass(frozen=True)
class DemoMeeting:
    event_id: str  # 'zoom:<meeting id>'
    day: date  # Moscow date of the meeting
    report: DemoFile
    form: DemoFile


@dataclass(frozen=True)
class DemoAppEvent:
    """An offline event the manager enters in the app; its form gets its id once created."""

    key: str  # "past" | "upcoming"
    title: str
    place: str
    starts_local: datetime  # naive, Moscow time
    ends_local: datetime
    opened_ts: int  # when the manager created it (registration opened), epoch seconds
    organisers: str
    co_hosts: str
    registration_target: int
    budget: str
    status: str
    backup_actions: str
    form: Path
    registrations: int


@dataclass(frozen=True)
class DemoEvents:
    meetings: list[DemoMeeting]
    app_events: list[DemoAppEvent]
    team: list[str]  # full names of the organisers (owners of follow-ups)
    seed: int

    @property
    def files(self) -> list[Path]:
        found = [p for m in self.meetings for p in (m.report.path, m.form.path)]
        return found + [e.form for e in self.app_events]


def _translit(text: str) -> str:
    out = text.lower().translate(_TRANSLIT)
    return "".join(ch for ch in out if ch.isascii() and (ch.isalnum() or ch in "._-"))


def _team_names(seed: int) -> list[str]:
    """The chat's team (the same people as in the Telegram export), as full names."""
    rng = random.Random(f"community:{seed}")
    people = _make_people(rng, _TEAM_SIZE)  # the first people of _Community are its team
    spare = random.Random(f"team-names:{seed}")
    names = []
    for p in people:
        words = p.name.split()
        surname = words[1] if len(words) == 2 and words[0] == p.first else ""
        if surname[:1].isupper() and surname.isalpha():
            names.append(f"{p.first} {surname}")
        else:
            last = spare.choice(_MALE_LAST)
            names.append(f"{p.first} {_feminine(last) if p.female else last}")
    return names


def _guest_pool(rng: random.Random, team: list[str]) -> list[_Guest]:
    taken_names = set(team)
    taken_emails = {_email_of(n.split()[0], n.split()[1], 0) for n in team}
    guests: list[_Guest] = []
    while len(guests) < _GUESTS:
        female = rng.random() < 0.6
        first = rng.choice(_FEMALE_FIRST if female else _MALE_FIRST)
        last = rng.choice(_MALE_LAST)
        last = _feminine(last) if female else last
        if f"{first} {last}" in taken_names:
            continue
        taken_names.add(f"{first} {last}")
        style = rng.choice((0, 0, 0, 1, 2, 3))
        email = _email_of(first, last, style, rng.randint(70, 99))
        while email in taken_emails:
            email = _email_of(first, last, 3, rng.randint(1, 999))
        taken_emails.add(email)
        phone = ""
        if rng.random() < 0.55:
            a = rng.choice(("903", "905", "915", "916", "925", "926", "977", "985", "999"))
            digits = f"{rng.randrange(10_000_000):07d}"
            phone = rng.choice(_PHONE_STYLES).format(a=a, b=digits[:3], c=digits[3:5], d=digits[5:])
        handle = ""
        if rng.random() < 0.45:
            nick = f"{_translit(first)}_{_translit(last)[: rng.choice((2, 3, 20))]}"
            handle = rng.choice(("@{}", "@{}", "{}", "t.me/{}")).format(nick)
        kind = rng.random()
        if kind < 0.2:  # regulars: at most meetings
            weight, attend = rng.uniform(4.0, 7.0), rng.uniform(0.68, 0.85)
        elif kind < 0.55:
            weight, attend = rng.uniform(1.2, 2.2), rng.uniform(0.5, 0.68)
        else:  # came once or twice
            weight, attend = rng.uniform(0.35, 0.8), rng.uniform(0.35, 0.55)
        index = len(guests) - _FIRST_WAVE  # later ones arrive evenly, one event after another
        arrives = 0 if index < 0 else 1 + index * 9 // (_GUESTS - _FIRST_WAVE)
        guests.append(_Guest(first, last, email, phone, handle, weight, attend, arrives))
    return guests


def _email_of(first: str, last: str, style: int, number: int = 0) -> str:
    f, la = _translit(first), _translit(last)
    local = {0: f"{f}.{la}", 1: f"{f[0]}.{la}", 2: f"{la}.{f}", 3: f"{f}.{la}{number}"}[style]
    domain = "example.com" if (len(f) + len(la)) % 3 == 0 else "example.org"
    return f"{local}@{domain}"


def _pick(rng: random.Random, people: list[_Guest], n: int, boost: int) -> list[_Guest]:
    """n people, weighted without replacement (newcomers of event `boost` are keener)."""
    keyed = []
    for i, g in enumerate(people):
        weight = g.weight * (3.0 if g.arrives == boost else 1.0)
        keyed.append((rng.random() ** (1.0 / weight), i))
    keyed.sort(reverse=True)
    return [people[i] for _, i in keyed[:n]]


def _registration_times(rng: random.Random, n: int, opens: int, starts: int) -> list[int]:
    """A wave after the announcement, a trickle, then the last days' rush."""
    out = []
    for _ in range(n):
        u = rng.random()
        if u < 0.3:
            t = opens + int(rng.expovariate(1 / (8 * 3600)))
        elif u < 0.55:
            t = opens + rng.randrange(starts - opens)
        else:
            t = starts - int(rng.expovariate(1 / (2.2 * _DAY)))
        out.append(min(max(_awake(t), opens + 60), starts - 20 * 60))
    return out


def _awake(ts: int) -> int:
    """Few register between midnight and seven: those move to the morning."""
    return ts + 7 * 3600 if (ts + _OFFSET) % _DAY < 7 * 3600 else ts


def _meeting_starts(rng: random.Random, end: date) -> list[int]:
    """8 weekday evenings (19:00 Moscow), about every six weeks over the year."""
    first = end - timedelta(days=_DAYS - 32)
    last = end - timedelta(days=27)
    span = (last - first).days
    starts = []
    for k in range(_ZOOM_EVENTS):
        day = first + timedelta(days=k * span // (_ZOOM_EVENTS - 1) + rng.randint(-3, 3))
        while day.weekday() not in (1, 2, 3):  # Tuesday to Thursday
            day += timedelta(days=1)
        starts.append(_midnight(day) + 19 * 3600)
    return starts


def _saturday_near(day: date, lo: int, hi: int) -> date:
    """The Saturday in day+lo .. day+hi (a 7-day range has exactly one)."""
    return next(
        day + timedelta(days=d) for d in range(lo, hi + 1)
        if (day + timedelta(days=d)).weekday() == 5
    )  # fmt: skip


def _zoom_time(ts: int) -> str:
    t = datetime.fromtimestamp(ts, MSK)
    hour = (t.hour - 1) % 12 + 1
    return f"{t:%m/%d/%Y} {hour}:{t:%M:%S} {'AM' if t.hour < 12 else 'PM'}"


def _form_time(ts: int) -> str:
    return f"{datetime.fromtimestamp(ts, MSK):%d.%m.%Y %H:%M:%S}"


def _write_csv(path: Path, rows: list[list[str]], *, bom: bool = False, crlf: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        csv.writer(f, lineterminator="\r\n" if crlf else "\n").writerows(rows)
    return path


def _write_form(
    rng: random.Random,
    path: Path,
    registrations: list[tuple[int, _Guest]],
    offline: bool,
    partner_answers: tuple[tuple[str, float], ...] = (),
) -> Path:
    """A Google Forms responses sheet, Russian locale, as "Download responses (.csv)" saves it.
    partner_answers: (answer, share) of people who heard of it from a partner."""
    heard = "Откуда вы узнали о субботнике?" if offline else "Откуда вы узнали о встрече?"
    extra = ["Нужна справка о волонтёрских часах?"] if offline else []
    rows = [[*_FORM_HEADERS, heard, *extra]]
    # its own random stream: every other answer and file stays as it was without partners
    via_partner = random.Random(f"partner-answers:{path.name}")
    for ts, g in sorted(registrations, key=lambda r: r[0]):
        answer = _HEARD[bisect(_HEARD_CW, rng.random() * _HEARD_CW[-1])][0]
        draw, share = via_partner.random(), 0.0
        for partner_answer, partner_share in partner_answers:
            share += partner_share
            if draw < share:
                answer = partner_answer
                break
        row = [_form_time(ts), g.email, g.first, g.last, g.phone, g.handle, answer]
        if offline:
            row.append("Да" if rng.random() < 0.3 else "Нет")
        rows.append(row)
    return _write_csv(path, rows, crlf=True)


def _zoom_joins(
    rng: random.Random, g: _Guest, starts: int, ends: int
) -> list[tuple[str, str, int, int]]:
    """One attendee's rows: (name as shown, e-mail, join, leave); a dropped line rejoins."""
    if rng.random() < 0.12:
        join = starts + rng.randrange(12 * 60, 40 * 60)  # late
    else:
        join = starts + int(rng.gauss(3 * 60, 4 * 60))
    join = max(join, starts - 6 * 60)
    if rng.random() < 0.2:
        leave = starts + rng.randrange(35 * 60, 75 * 60)  # leaves early
    else:
        leave = ends - rng.randrange(0, 5 * 60)
    leave = max(leave, join + 10 * 60)
    r = rng.random()
    if r < 0.85:
        shown = g.name
    elif r < 0.93:
        shown = g.first
    else:
        shown = f"{g.first} {g.last[0]}. ({g.name})"  # renamed in the meeting
    if leave - join > 30 * 60 and rng.random() < 0.18:
        drop = join + rng.randrange(10 * 60, leave - join - 10 * 60)
        back = drop + rng.randrange(40, 6 * 60)
        return [(shown, g.email, join, drop), (shown, g.email, min(back, leave - 60), leave)]
    return [(shown, g.email, join, leave)]


def _write_zoom_report(
    rng: random.Random,
    path: Path,
    meeting_id: str,
    topic: str,
    starts: int,
    attendees: list[_Guest],
    hosts: list[tuple[str, str]],
) -> Path:
    """A Zoom "Usage reports → Meeting → Participants" export with the meeting summary."""
    ends = starts + rng.randrange(92, 112) * 60
    host_join, host_leave = starts - rng.randrange(8, 15) * 60, ends + rng.randrange(30, 120)
    joins: list[tuple[str, str, int, int, bool]] = [
        (hosts[0][0], hosts[0][1], host_join, host_leave, False)
    ]
    for name, email in hosts[1:]:
        joins.append((name, email, host_join + rng.randrange(60, 300), ends, False))
    for g in attendees:
        joins.extend((*j, True) for j in _zoom_joins(rng, g, starts, ends))
    joins.sort(key=lambda j: (j[2], j[1]))
    people = len({j[1] for j in joins})
    rows = [
        _MEETING_HEADERS,
        [meeting_id, topic, _zoom_time(host_join), _zoom_time(host_leave), hosts[0][1],
         str(-(-(host_leave - host_join) // 60)), str(people)],
        [""] * len(_MEETING_HEADERS),
        _ZOOM_HEADERS,
    ]  # fmt: skip
    for name, email, join, leave, guest in joins:
        minutes = -(-(leave - join) // 60)  # Zoom rounds up
        rows.append(
            [name, email, _zoom_time(join), _zoom_time(leave), str(minutes),
             "Yes" if guest else "No", "Y"]
        )  # fmt: skip
    return _write_csv(path, rows, bom=True)


def write_demo_events(out_dir: Path, *, end: date | None = None, seed: int = 7) -> DemoEvents:
    """Write the event files of the demo year ending at `end` (default: today): per online
    meeting a Zoom participants report (zoom/) and its registration form (forms/), and the
    registration forms of a субботник ~6 days before `end` and of one ~12 days after it.
    Same arguments give byte-identical files."""
    out_dir = Path(out_dir)
    end = end or _today_msk()
    rng = random.Random(f"events:{seed}")
    team = _team_names(seed)
    team_emails = [_email_of(*name.split(), 0) for name in team]
    pool = _guest_pool(rng, team)

    meetings: list[DemoMeeting] = []
    for k, starts in enumerate(_meeting_starts(rng, end)):
        meeting_id = str(rng.randrange(81_000_000_000, 89_999_999_999))
        day = datetime.fromtimestamp(starts, MSK).date()
        # the form opens with the announcement, about three weeks ahead
        opens = _midnight(day - timedelta(days=rng.randint(18, 22))) + rng.randrange(11, 14) * 3600
        active = [g for g in pool if g.arrives <= k]
        n = round(21 + 4.4 * k + rng.uniform(-3, 3))
        registered = _pick(rng, active, n, k)
        times = _registration_times(rng, len(registered), opens, starts)
        came = [g for g in registered if rng.random() < g.attend]
        unregistered = [g for g in active if g not in registered]
        came += _pick(rng, unregistered, rng.randint(1, 2), -1)  # came without registering
        hosts = [(team[0], team_emails[0])]
        if k % 3 != 1:
            hosts.append((team[1 + k % 2], team_emails[1 + k % 2]))  # a co-host
        report = _write_zoom_report(
            rng, out_dir / ZOOM_DIR / f"participants_{meeting_id}.csv", meeting_id,
            _ZOOM_TOPICS[k], starts, came, hosts,
        )  # fmt: skip
        event_id = f"zoom:{meeting_id}"
        form = _write_form(
            rng,
            out_dir / FORMS_DIR / f"registrations_{day.isoformat()}_zoom.csv",
            list(zip(times, registered, strict=True)),
            offline=False,
        )
        meetings.append(
            DemoMeeting(
                event_id,
                day,
                DemoFile("zoom-participants", report, {"timezone": EVENTS_TIMEZONE}),
                DemoFile("google-forms", form, {"event_id": event_id, "timezone": EVENTS_TIMEZONE}),
            )
        )

    app_events = []
    specs = [
        # key, day, title, place, registrations, target, budget, status, backup actions
        ("past", _saturday_near(end, -10, -4), "Субботник в парке Сокольники",
         "Парк «Сокольники», главный вход", rng.randint(33, 37), 40, "15000", "done", ""),
        ("upcoming", _saturday_near(end, 9, 15), "Большой субботник на набережной",
         "Набережная реки Светлой, у фонтана", _UPCOMING_REGISTRATIONS, 60, "20 000",
         "planned", BACKUP_ACTIONS),
    ]  # fmt: skip
    for index, (key, day, title, place, n, target, budget, status, backup) in enumerate(specs):
        starts = _midnight(day) + 11 * 3600
        if key == "past":
            opened = _midnight(day - timedelta(days=20)) + 11 * 3600 + rng.randrange(3600)
            registered = _pick(rng, [g for g in pool if g.arrives <= 8 + index], n, 8 + index)
            times = _registration_times(rng, n, opened + 1800, starts)
        else:
            # opened ten days before `end`; a weak start: registrations trail the usual curve
            opened = _midnight(end - timedelta(days=10)) + 10 * 3600 + rng.randrange(3600)
            registered = _pick(rng, pool, n, 9)
            cutoff = _midnight(end)  # nobody has registered "later today" yet
            times = [
                min(_awake(opened + 1800 + int(rng.expovariate(1 / (10 * 3600)))), cutoff - 60)
                if i < 4 else min(_awake(opened + rng.randrange(cutoff - opened)), cutoff - 60)
                for i in range(n)
            ]  # fmt: skip
        form = _write_form(
            rng,
            out_dir / FORMS_DIR / f"registrations_{day.isoformat()}_subbotnik.csv",
            list(zip(times, registered, strict=True)),
            offline=True,
            partner_answers=_PARTNER_ANSWERS if key == "past" else (),
        )
        local = datetime.fromtimestamp(starts, MSK).replace(tzinfo=None)
        app_events.append(
            DemoAppEvent(
                key=key,
                title=title,
                place=place,
                starts_local=local,
                ends_local=local + timedelta(hours=4),
                opened_ts=opened,
                organisers=", ".join(team[:2]) if key == "past" else ", ".join(team[1:3]),
                co_hosts=_PARTNER,
                registration_target=target,
                budget=budget,
                status=status,
                backup_actions=backup,
                form=form,
                registrations=n,
            )
        )
    return DemoEvents(meetings, app_events, team, seed)


# --------------------------------------------------------------------------- loading


def load_demo(
    folder: Path, *, end: date | None = None, members: int = 300, seed: int = 7
) -> list[IngestResult]:
    """Write the whole demo into `folder`, list every file in pulse.toml (so `refresh` finds
    them unchanged) and load it: the Telegram exports, the Zoom reports and their forms, then
    the two offline events entered in the app, with registrations, check-ins and follow-ups.

    Returns what each file load did; a failed model build raises (ModelBuildError,
    WarehouseBusy). Running it again adds no duplicates: app events already there are kept.
    """
    from pipelines import config
    from pipelines.ingest import ingest_file

    end = end or _today_msk()
    base = config.config_path().parent
    exports = write_demo_exports(folder, end=end, members=members, seed=seed)
    events = write_demo_events(folder, end=end, seed=seed)

    def listed(kind: str, path: Path, options: dict[str, str] | None = None) -> None:
        try:
            shown = str(path.relative_to(base))
        except ValueError:
            shown = str(path)
        config.add_source(kind, shown, options=options)

    for path in exports:
        listed("telegram-export", path)
    for meeting in events.meetings:
        for file in (meeting.report, meeting.form):
            listed(file.kind, file.path, file.options)
    results = [ingest_file("telegram-export", path) for path in exports]
    reports = [(m.report.path, m.report.options) for m in events.meetings]
    results += _ingest_together("zoom-participants", reports)

    created = _create_app_events(events)  # builds the models (the app writes through them)
    forms = [(m.form.path, m.form.options) for m in events.meetings]
    for event in events.app_events:
        options = {"event_id": created[event.key][0], "timezone": EVENTS_TIMEZONE}
        listed("google-forms", event.form, options)
        forms.append((event.form, options))
    results += _ingest_together("google-forms", forms)
    _run_app_events(events, created)
    _enter_partners(events, created, end)
    _enter_roles_and_targets(end)
    return results


def _ingest_together(kind: str, files: list[tuple[Path, dict[str, str]]]) -> list[IngestResult]:
    """Load several small files of one kind in one dlt run (one run costs about a second
    whatever its size), recording each file's own run like ingest_file does. If anything goes
    wrong the files are loaded one by one instead, so each failure names its file."""
    from pipelines.ingest import IngestResult, ingest_file
    from pipelines.load import load_arrow_tables
    from pipelines.sources import file_sources
    from warehouse.runs import SourceRun, file_fingerprint, record_run

    spec = file_sources()[kind]
    reports = [spec.new_report(path) for path, _ in files]
    rows = [0] * len(files)

    def batches() -> Iterator:
        for i, ((path, options), report) in enumerate(zip(files, reports, strict=True)):
            for table, batch in spec.parse(path, report, None, **options):
                rows[i] += batch.num_rows
                yield table, batch

    started = datetime.now(UTC)
    try:
        load_arrow_tables(kind.replace("-", "_"), spec.dataset, batches(), spec.primary_keys)
    except Exception as exc:  # noqa: BLE001 - the one-by-one loads report it properly
        log.warning("loading the %s files together failed (%s); one by one instead", kind, exc)
        return [ingest_file(kind, path, **options) for path, options in files]
    results = []
    for (path, _), report, count in zip(files, reports, rows, strict=True):
        warnings = report.warnings
        status = "warning" if warnings else "ok"
        result = IngestResult(kind, str(path), status, count, warnings or [report.summary()])
        for message in result.messages:
            log.log(logging.WARNING if warnings else logging.INFO, message)
        record_run(
            SourceRun(
                kind, spec.dataset, str(path), started, status, count,
                "\n".join(result.messages), file_fingerprint(path),
            )
        )  # fmt: skip
        results.append(result)
    return results


def _create_app_events(events: DemoEvents) -> dict[str, tuple[str, bool]]:
    """Enter the offline events as a manager does (warehouse.events.save_event): key → (event
    id, created now). An event with the same title and start already in the app is kept."""
    from warehouse.events import EventDraft, events_between, save_event

    found: dict[str, tuple[str, bool]] = {}
    for event in events.app_events:
        starts = event.starts_local - timedelta(seconds=_OFFSET)  # naive UTC
        known = events_between(starts, starts + timedelta(seconds=1))
        same = [
            row["event_id"]
            for row in (known.iter_rows(named=True) if not known.is_empty() else [])
            if row["title"] == event.title and row["origin"] == "app"
        ]
        if same:
            found[event.key] = (same[0], False)
            continue
        draft = EventDraft(
            title=event.title,
            format="offline",
            starts_local=event.starts_local,
            ends_local=event.ends_local,
            timezone=EVENTS_TIMEZONE,
            place=event.place,
            channel_id=f"telegram:{CHAT_ID}",
            organisers=event.organisers,
            co_hosts=event.co_hosts,
            registration_target=event.registration_target,
            budget=event.budget,
            status=event.status,
            backup_actions=event.backup_actions,
        )
        found[event.key] = (_applied(save_event(draft, DEMO_USER)).event_id, True)
    return found


def _applied(submitted: Any) -> Any:
    """A form entry queued behind a running refresh: wait for it, the demo reads it next."""
    if not submitted.applied:
        from warehouse.app_data import apply_pending

        apply_pending(timeout=120)
    return submitted


def _utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


def _run_app_events(events: DemoEvents, created: dict[str, tuple[str, bool]]) -> None:
    """What the manager did in the app: registration opened when each event was created; at
    the past субботник most registrants checked in at the door plus one walk-in; follow-ups
    (the meetings' all done but the last one's story, the субботник's thanks done and the rest
    open, so some are overdue); a little feedback. Written as the app's own form entries, in
    two batches: one entry per tick would rebuild the models thirty times."""
    from warehouse.app_data import Change, submit
    from warehouse.events import FOLLOWUP_ITEMS, WalkIn, participants, validate_walk_in

    new = [e for e in events.app_events if created[e.key][1]]
    if not new:
        return
    now = datetime.now(UTC).replace(tzinfo=None)
    today = now.date()
    rng = random.Random(f"app-events:{events.seed}")
    team = events.team
    opened = [
        Change(
            "app.events",
            {"event_id": created[e.key][0]},
            {"created_at": _utc(e.opened_ts), "updated_at": now},
        )
        for e in new
    ]
    _applied(submit(opened, DEMO_USER))  # also builds the models with the forms just loaded

    def followup(event_id: str, item: str, owner: str, done_on: date | None = None) -> Change:
        done = min(done_on, today) if done_on else None
        values = {"owner": owner, "due_on": None, "done_on": done, "note": None, "updated_at": now}
        return Change("app.event_followups", {"event_id": event_id, "item": item}, values)

    changes: list[Change] = []
    for k, meeting in enumerate(events.meetings):
        for n, (item, days) in enumerate(FOLLOWUP_ITEMS.items()):
            owner = team[(k + n) % len(team)]
            last_story = k == len(events.meetings) - 1 and item == "story"
            done = None if last_story else meeting.day + timedelta(days=days - rng.randint(0, 1))
            changes.append(followup(meeting.event_id, item, owner, done))
    past = next((e for e in new if e.key == "past"), None)
    if past is not None:
        event_id = created[past.key][0]
        starts = past.starts_local - timedelta(seconds=_OFFSET)
        registered = sorted(participants(event_id)["member_id"].to_list())
        for member in sorted(rng.sample(registered, round(len(registered) * 0.82))):
            at = starts + timedelta(seconds=rng.randrange(-25 * 60, 20 * 60))
            key = {"event_id": event_id, "identity_id": member}
            values = {"present": True, "checked_in_at": at, "updated_at": now}
            changes.append(Change("app.event_attendance", key, values))
        first, last, phone = _WALK_IN
        walk_in = WalkIn(name=f"{first} {last}", phone=phone)
        assert not validate_walk_in(walk_in), validate_walk_in(walk_in)
        person = f"app:person:{uuid.uuid4().hex[:10]}"
        changes += [
            Change(
                "app.people",
                {"identity_id": person},
                {
                    "display_name": walk_in.name,
                    "email": None,
                    "phone": "+" + "".join(ch for ch in phone if ch.isdigit()),
                    "handle": None,
                    "created_at": now,
                },
            ),
            Change(
                "app.event_attendance",
                {"event_id": event_id, "identity_id": person},
                {
                    "present": True,
                    "checked_in_at": starts + timedelta(minutes=35),
                    "participant_role": "guest",
                    "updated_at": now,
                },
            ),
        ]
        ended = past.ends_local.date()
        changes += [
            followup(event_id, "thanks", team[1], ended + timedelta(days=1)),
            followup(event_id, "materials", team[2]),  # due 3 days after: overdue
            followup(event_id, "feedback", team[0]),
        ]
        for day, score, text in (
            (1, 5, "Спасибо за организацию! Было здорово, приду ещё 💚"),
            (1, 4, "Всё понравилось, только перчаток на всех не хватило"),
            (2, 5, "Пришли с детьми, им очень понравилось. Ждём следующий субботник!"),
        ):
            received = datetime.combine(ended + timedelta(days=day), datetime.min.time())
            values = {
                "event_id": event_id,
                "received_at": min(received + timedelta(hours=16), now),
                "score": score,
                "text": text,
                "created_at": now,
            }
            changes.append(Change("app.feedback", {"feedback_id": uuid.uuid4().hex}, values))
    _applied(submit(changes, DEMO_USER))


def _enter_partners(events: DemoEvents, created: dict[str, tuple[str, bool]], end: date) -> None:
    """The partners the manager keeps, as warehouse.partners writes them, in one form entry (one
    model build): the eco-centre co-hosting both субботники (stages, interactions, an agreement,
    a project tracked by its answer in the registration form, thanks sent); a school stuck in
    negotiation (an overdue step, no contact for two months); a local news site that reposted
    the announcement (its own answer in the form) and got no thanks yet. Skipped when partners
    are already there (a second run)."""
    from warehouse import partners as p
    from warehouse.app_data import Change, submit

    if p.choices():
        return
    by_key = {e.key: e for e in events.app_events}
    held = by_key["past"].starts_local.date()
    coming = by_key["upcoming"].starts_local.date()
    opened = datetime.fromtimestamp(by_key["past"].opened_ts, MSK).date()
    team = events.team

    def at(day: date, hour: int = 12) -> datetime:
        """`hour` o'clock Moscow time on `day`, as naive UTC."""
        return (
            datetime.combine(day, datetime.min.time())
            + timedelta(hours=hour)
            - timedelta(seconds=_OFFSET)
        )

    changes: list[Change] = []

    def partner(draft: p.PartnerDraft, stages: list[tuple[date, str, str]]) -> str:
        """A partner added on the first stage's day, then moved through the rest."""
        assert not p.validate_partner(draft), p.validate_partner(draft)
        partner_id = p.new_id("partner")
        first_day, first_stage, _ = stages[0]
        added = replace(draft, stage=first_stage)
        changes.extend(p.partner_changes(partner_id, added, at(first_day, 10), new=True))
        for day, stage, note in stages[1:]:
            changes.append(p.stage_row(partner_id, stage, at(day, 10), note))
        last_day, last_stage, _ = stages[-1]
        values = {"stage": last_stage, "stage_changed_at": at(last_day, 10)}
        changes.append(Change("app.partners", {"partner_id": partner_id}, values))
        return partner_id

    def interaction(partner_id: str, draft: p.InteractionDraft, done: date | None = None) -> None:
        assert not p.validate_interaction(draft), p.validate_interaction(draft)
        interaction_id = p.new_id("interaction")
        assert draft.occurred_on is not None
        changes.append(
            p.interaction_change(partner_id, interaction_id, draft, at(draft.occurred_on, 18))
        )
        if done is not None:
            key = {"interaction_id": interaction_id}
            changes.append(Change("app.partner_interactions", key, {"next_step_done_on": done}))

    eco = partner(
        p.PartnerDraft(
            _PARTNER,
            "ngo",
            owner=team[0],
            contact="Ольга Зеленцова, eco@zeleny-gorod.example.org, +7 916 555-12-34",
            partner_offers="Мешки, перчатки и вывоз мусора на субботниках; эколекторий",
            our_offer="Волонтёры на их акциях; анонсы в нашем канале и чате",
        ),
        [
            (opened - timedelta(days=16), "contacted", ""),
            (opened - timedelta(days=10), "negotiating", "обсуждаем совместный субботник"),
            (opened - timedelta(days=5), "agreed", "договор о совместных субботниках"),
            (opened, "active", "открыли регистрацию на субботник"),
        ],
    )
    interaction(
        eco,
        p.InteractionDraft(
            opened - timedelta(days=10),
            "meeting",
            "Встретились в экоцентре: договорились о совместном субботнике в Сокольниках",
            "Согласовать список инвентаря",
            opened - timedelta(days=3),
            team[0],
        ),
        done=opened - timedelta(days=4),
    )
    interaction(
        eco,
        p.InteractionDraft(
            held - timedelta(days=6),
            "call",
            "Подтвердили: 200 мешков, 300 пар перчаток, вывоз мусора за экоцентром",
            owner=team[0],
        ),
    )
    interaction(
        eco,
        p.InteractionDraft(
            held + timedelta(days=1),
            "thanks",
            "Поблагодарили, отправили фото и итоги",
            owner=team[1],
        ),
    )
    interaction(
        eco,
        p.InteractionDraft(
            min(end, coming) - timedelta(days=2),
            "message",
            "Позвали на большой субботник на набережной",
            "Получить подтверждение по вывозу мусора",
            coming - timedelta(days=3),
            team[0],
        ),
    )
    agreement = p.AgreementDraft(
        "Совместные субботники",
        our_responsibilities="Собираем и инструктируем волонтёров, анонсируем в канале и чате",
        partner_responsibilities="Выдают инвентарь, вывозят собранный мусор, проводят эколекторий",
        signed_on=opened - timedelta(days=5),
        starts_on=opened - timedelta(days=5),
        ends_on=end + timedelta(days=180),
        document_url="https://docs.example.org/zeleny-gorod/agreement",
    )
    assert not p.validate_agreement(agreement), p.validate_agreement(agreement)
    changes.append(p.agreement_change(eco, p.new_id("agreement"), agreement, at(opened), new=True))

    school = partner(
        p.PartnerDraft(
            "Школа №5",
            "school",
            owner=team[1],
            contact="Завуч Ирина Петровна, school5@example.org",
            partner_offers="Старшеклассники-волонтёры, актовый зал",
            our_offer="Волонтёрская практика с часами для портфолио",
        ),
        [
            (end - timedelta(days=80), "prospect", ""),
            (end - timedelta(days=75), "contacted", ""),
            (end - timedelta(days=70), "negotiating", "ждём проект договора"),
        ],
    )
    interaction(
        school,
        p.InteractionDraft(
            end - timedelta(days=75),
            "call",
            "Первый звонок: школе интересна волонтёрская практика для старшеклассников",
            owner=team[1],
        ),
    )
    interaction(
        school,
        p.InteractionDraft(
            end - timedelta(days=70),
            "meeting",
            "Встреча с завучем: нужен договор о практике",
            "Отправить проект договора",
            end - timedelta(days=63),
            team[1],
        ),
    )

    news = partner(
        p.PartnerDraft(
            _MEDIA_PARTNER,
            "media",
            owner=team[2],
            contact="Редакция, news@gorod-news.example.org",
            partner_offers="Репосты анонсов в их канале",
            our_offer="Истории волонтёров для их рубрики",
        ),
        [
            (opened - timedelta(days=3), "contacted", ""),
            (opened - timedelta(days=1), "agreed", "репост анонса субботника"),
            (held - timedelta(days=2), "completed", ""),
        ],
    )
    interaction(
        news,
        p.InteractionDraft(
            opened - timedelta(days=1),
            "email",
            "Договорились о репосте анонса субботника",
            owner=team[2],
        ),
    )

    # the monthly meeting about shelters (its topic names the shelter), months ago: the people
    # it brought have had their 60 days since, so the project shows its activity uplift
    meeting = events.meetings[_ZOOM_TOPICS.index(_SHELTER_TOPIC)]
    shelter = partner(
        p.PartnerDraft(
            _SHELTER,
            "ngo",
            owner=team[2],
            contact="Координатор волонтёров Анна, help@verny-drug.example.org",
            partner_offers="Спикер на встречу, экскурсии в приют",
            our_offer="Волонтёры на выгул и уборку, сбор корма",
        ),
        [
            (meeting.day - timedelta(days=30), "contacted", ""),
            (meeting.day - timedelta(days=24), "active", "совместная онлайн-встреча"),
        ],
    )
    interaction(
        shelter,
        p.InteractionDraft(
            meeting.day - timedelta(days=24),
            "call",
            "Договорились о совместной онлайн-встрече о помощи приютам",
            "Прислать тезисы выступления",
            meeting.day - timedelta(days=10),
            team[2],
        ),
        done=meeting.day - timedelta(days=12),
    )
    interaction(
        shelter,
        p.InteractionDraft(
            meeting.day + timedelta(days=1), "thanks", "Поблагодарили спикера", owner=team[2]
        ),
    )
    changes.append(p.cohost_change(meeting.event_id, [shelter]))

    projects = [
        (
            p.ProjectDraft(
                "Онлайн-встреча с «Верным другом»",
                "webinar",
                [shelter],
                meeting.day - timedelta(days=21),
                meeting.day,
                goal_metric="new_members",
                goal_target=5,
            ),
            [("volunteers", "7", "человек")],
        ),
        (
            p.ProjectDraft(
                "Субботник в Сокольниках",
                "event",
                [eco],
                opened,
                held,
                goal_metric="registrations",
                goal_target=12,
                description="Совместный субботник: инвентарь и вывоз мусора — экоцентр",
                tracking_codes=[("utm", _PARTNER)],
            ),
            [("items_collected", "86", "мешков"), ("volunteers", "5", "человек")],
        ),
        (
            p.ProjectDraft(
                "Большой субботник на набережной",
                "event",
                [eco],
                datetime.fromtimestamp(by_key["upcoming"].opened_ts, MSK).date(),
                coming,
                goal_metric="new_members",
                goal_target=10,
                budget="20 000",
            ),
            [],
        ),
        (
            p.ProjectDraft(
                "Репост анонса субботника",
                "co-promotion",
                [news],
                opened,
                held - timedelta(days=2),
                goal_metric="registrations",
                goal_target=5,
                tracking_codes=[("utm", _MEDIA_PARTNER)],
            ),
            [],
        ),
    ]
    for draft, outcomes in projects:
        project_id = p.new_id("project")
        assert draft.starts_on is not None and draft.ends_on is not None
        changes.extend(p.project_changes(project_id, draft, at(draft.starts_on), EVENTS_TIMEZONE))
        reported = draft.ends_on + timedelta(days=1)  # results counted the day after
        for metric, value, unit in outcomes:
            outcome = p.OutcomeDraft(metric, value, unit, reported)
            assert not p.validate_outcome(outcome), p.validate_outcome(outcome)
            outcome_id = p.new_id("outcome")
            changes.append(
                p.outcome_change(project_id, outcome_id, outcome, at(reported), reported)
            )
    for key in ("past", "upcoming"):
        changes.append(p.cohost_change(created[key][0], [eco]))
    _applied(submit(changes, DEMO_USER))


# roles the demo's most engaged members hold: (role, expected activities, per); the catalyst's
# expectation is set high on purpose, so the coverage board shows someone below their cadence
DEMO_ROLES = (
    ("mentor", 3, "week"),
    ("greeter", 2, "week"),
    ("storyteller", 2, "month"),
    ("catalyst", 40, "week"),
)
# this month's targets, as a manager sets them at the start of a month
DEMO_TARGETS = {
    "members_total": 330,
    "active_members": 300,
    "response_rate_pct": 90,
    "first_response_median_minutes": 30,
}


def _enter_roles_and_targets(end: date) -> None:
    """Roles for the most engaged members and this month's targets, through the app's own
    write functions (validated and audited like a manager's entries)."""
    from warehouse import roles, targets
    from warehouse.connection import read_connection
    from warehouse.periods import month_of

    with read_connection() as con:
        engaged = [
            member_id
            for (member_id,) in con.execute(
                "select member_id from marts.member_levels"
                " where month = (select max(month) from marts.member_levels)"
                " order by score desc, member_id limit ?",
                [len(DEMO_ROLES)],
            ).fetchall()
        ]
    held = roles.role_coverage()["holders"].sum()  # a second `demo` run keeps the first's roles
    for member_id, (role, count, per) in zip(engaged if not held else [], DEMO_ROLES, strict=False):
        _applied(
            roles.assign_role(
                DEMO_USER,
                member_id=member_id,
                role=role,
                started_on=end - timedelta(days=90),
                cadence_count=count,
                cadence_per=per,
            )
        )
    month = month_of(end, "UTC").start
    for kpi, target in DEMO_TARGETS.items():
        _applied(targets.set_target(kpi, "month", month, target, user=DEMO_USER))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pipelines.demo",
        description="Write the deterministic demo files: Telegram Desktop exports (result.json "
        "format), Zoom participants reports and Google Forms responses.",
    )
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--messages", type=int, help=f"write only {BENCH_FILE} with N messages")
    parser.add_argument("--members", type=int)
    parser.add_argument("--end", type=date.fromisoformat, help="last day, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.messages is not None:
        paths = [
            write_chat_export(
                args.out_dir / BENCH_FILE,
                messages=args.messages,
                end=args.end,
                members=args.members,
                seed=args.seed,
            )
        ]
    else:
        kwargs = {} if args.members is None else {"members": args.members}
        paths = write_demo_exports(args.out_dir, end=args.end, seed=args.seed, **kwargs)
        paths += write_demo_events(args.out_dir, end=args.end, seed=args.seed).files
    for p in paths:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
