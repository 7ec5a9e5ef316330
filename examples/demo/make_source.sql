-- Generates the demo source: a point-of-sale database shaped like Xilnex COM_5013.
-- Run with: sqlite3 demo/source.db < examples/demo/make_source.sql
-- Deterministic except for the row-version bytes (randomblob), like a real rowversion.
--
-- Range: 2024-10-01 .. 2025-10-31 (13 calendar months); June 2025 has no sales (store
-- refit), so 12 months hold data. Every month has a sale exactly at midnight on the 1st
-- and one in the last millisecond of its last day.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
BEGIN;

CREATE TABLE LOCATION_DETAIL (
  LOCATION_ID int NOT NULL PRIMARY KEY, LOCATION_CODE varchar(10), LOCATION_NAME nvarchar(100),
  ADDRESS_1 varchar(200), ADDRESS_2 varchar(200), CITY varchar(60), STATE varchar(60),
  POSTCODE char(5), PHONE varchar(30), IS_ACTIVE tinyint, IS_WAREHOUSE tinyint,
  OPENED_DATE date, DATETIME__MODIFIED datetime, ROWVERSION binary(8));

CREATE TABLE APP_4_ITEM (
  ITEM_ID int NOT NULL PRIMARY KEY, ITEM_CODE varchar(30), ITEM_NAME nvarchar(120),
  CATEGORY varchar(40), BRAND varchar(40), UOM varchar(10), BARCODE varchar(20),
  PRICE decimal(16,4), COST decimal(16,4), TAX_RATE decimal(16,4), IS_ACTIVE tinyint,
  IS_SERVICE tinyint, WEIGHT_GRAMS int, DESCRIPTION text, DATETIME__CREATED datetime,
  DATETIME__MODIFIED datetime, ROWVERSION binary(8));

CREATE TABLE APP_4_STOCK (
  STOCK_ID bigint NOT NULL PRIMARY KEY, ITEM_ID int, LOCATION_ID int, QTY_ON_HAND decimal(16,4),
  QTY_RESERVED decimal(16,4), REORDER_LEVEL decimal(16,4), BIN_CODE varchar(12),
  LAST_COUNT_DATE date, DATETIME__MODIFIED datetime, ROWVERSION binary(8));

CREATE TABLE APP_4_SALES (
  SALES_ID bigint NOT NULL PRIMARY KEY, SALES_NO varchar(30), DATETIME__SALES_DATE datetime,
  DATE__BUSINESS_DATE date, LOCATION_ID int, TERMINAL_ID varchar(10), CASHIER_ID varchar(20),
  CASHIER_NAME nvarchar(60), CUSTOMER_ID varchar(20), CUSTOMER_NAME nvarchar(100),
  MEMBER_CARD_NO varchar(20), SHIFT_NO int, ORDER_TYPE varchar(12), TABLE_NO varchar(8),
  PAX int, ITEM_COUNT int, SUBTOTAL decimal(16,4), DISCOUNT_AMOUNT decimal(16,4),
  DISCOUNT_PERCENT decimal(16,4), TAX_AMOUNT decimal(16,4), SERVICE_CHARGE decimal(16,4),
  ROUNDING_ADJ decimal(16,4), GRAND_TOTAL decimal(16,4), PAID_AMOUNT decimal(16,4),
  CHANGE_AMOUNT decimal(16,4), COST_AMOUNT decimal(16,4), POINTS_EARNED decimal(16,4),
  POINTS_REDEEMED decimal(16,4), IS_VOID tinyint, IS_REFUND tinyint, IS_ONLINE tinyint,
  IS_MEMBER tinyint, IS_TAX_INCLUSIVE tinyint, IS_SYNCED tinyint, PRINT_COUNT int,
  RECEIPT_FOOTER varchar(100), CURRENCY char(3), EXCHANGE_RATE decimal(16,4),
  REFERENCE_NO varchar(40), REMARK text, CREATED_BY varchar(20), DATETIME__CREATED datetime,
  DATETIME__MODIFIED datetime, GLOBAL_SEQ bigint, ROWVERSION binary(8));

CREATE TABLE APP_4_SALESITEM (
  SALESITEM_ID bigint NOT NULL PRIMARY KEY, SALES_ID bigint, SALES_NO varchar(30),
  DATETIME__SALES_DATE datetime, LINE_NO int, LOCATION_ID int, ITEM_ID int, ITEM_CODE varchar(30),
  ITEM_NAME nvarchar(120), CATEGORY varchar(40), UOM varchar(10), QTY decimal(16,4),
  UNIT_PRICE decimal(16,4), UNIT_COST decimal(16,4), DISCOUNT_AMOUNT decimal(16,4),
  DISCOUNT_PERCENT decimal(16,4), TAX_CODE varchar(10), TAX_RATE decimal(16,4),
  TAX_AMOUNT decimal(16,4), LINE_TOTAL decimal(16,4), NET_AMOUNT decimal(16,4),
  POINTS decimal(16,4), IS_VOID tinyint, IS_FOC tinyint, IS_PROMO tinyint, IS_COMBO tinyint,
  IS_TAKEAWAY tinyint, PROMO_CODE varchar(20), SALESPERSON_ID varchar(20), KITCHEN_NOTE nvarchar(200),
  SEAT_NO int, COURSE_NO int, PRINT_COUNT int, SERIAL_NO varchar(40), BATCH_NO varchar(30),
  EXPIRY_DATE date, REMARK varchar(200), CREATED_BY varchar(20), DATETIME__CREATED datetime,
  DATETIME__MODIFIED datetime, GLOBAL_SEQ bigint, ROWVERSION binary(8));

CREATE TABLE APP_4_PAYMENT (
  PAYMENT_ID bigint NOT NULL PRIMARY KEY, SALES_ID bigint, SALES_NO varchar(30),
  DATETIME__PAYMENT_DATE datetime, PAYMENT_METHOD varchar(20), AMOUNT decimal(16,4),
  TENDERED decimal(16,4), CARD_LAST4 char(4), APPROVAL_CODE varchar(20), IS_VOID tinyint,
  ROWVERSION binary(8));

CREATE TABLE APP_4_VOIDSALESITEM (
  VOID_ID bigint NOT NULL PRIMARY KEY, SALES_ID bigint, ITEM_ID int, DATETIME__VOID_DATE datetime,
  QTY decimal(16,4), AMOUNT decimal(16,4), REASON nvarchar(100), VOIDED_BY varchar(20),
  ROWVERSION binary(8));

CREATE TABLE APP_4_SALESCREDITNOTE (
  CREDITNOTE_ID bigint NOT NULL PRIMARY KEY, CREDITNOTE_NO varchar(30), SALES_ID bigint,
  DATETIME__CREDITNOTE_DATE datetime, LOCATION_ID int, AMOUNT decimal(16,4),
  TAX_AMOUNT decimal(16,4), REASON nvarchar(100), IS_VOID tinyint, ROWVERSION binary(8));

CREATE TABLE APP_4_SALESCREDITNOTEITEM (
  CREDITNOTEITEM_ID bigint NOT NULL PRIMARY KEY, CREDITNOTE_ID bigint,
  DATETIME__CREDITNOTE_DATE datetime, ITEM_ID int, QTY decimal(16,4), UNIT_PRICE decimal(16,4),
  AMOUNT decimal(16,4), ROWVERSION binary(8));

CREATE TABLE APP_4_SALESDEBITNOTE (
  DEBITNOTE_ID bigint NOT NULL PRIMARY KEY, DEBITNOTE_NO varchar(30), SALES_ID bigint,
  DATETIME__DEBITNOTE_DATE datetime, LOCATION_ID int, AMOUNT decimal(16,4),
  TAX_AMOUNT decimal(16,4), REASON nvarchar(100), IS_VOID tinyint, ROWVERSION binary(8));

CREATE TABLE APP_4_SALESDEBITNOTEITEM (
  DEBITNOTEITEM_ID bigint NOT NULL PRIMARY KEY, DEBITNOTE_ID bigint,
  DATETIME__DEBITNOTE_DATE datetime, ITEM_ID int, QTY decimal(16,4), UNIT_PRICE decimal(16,4),
  AMOUNT decimal(16,4), ROWVERSION binary(8));

CREATE TABLE APP_4_EPAYMENTLOG (
  LOG_ID bigint NOT NULL PRIMARY KEY, SALES_ID bigint, DATETIME__LOG_DATE datetime,
  PROVIDER varchar(20), REQUEST_ID varchar(40), STATUS varchar(12), AMOUNT decimal(16,4),
  RESPONSE_PAYLOAD text, ROWVERSION binary(8));

CREATE TABLE APP_4_VOUCHER (
  VOUCHER_ID bigint NOT NULL PRIMARY KEY, VOUCHER_CODE varchar(20), DATE__ISSUE_DATE date,
  DATE__EXPIRY_DATE date, FACE_VALUE decimal(16,4), BALANCE decimal(16,4), IS_REDEEMED tinyint,
  ISSUED_TO nvarchar(100), ROWVERSION binary(8));

-- Numbers 1..40000 drive everything.
CREATE TEMP TABLE n(i INTEGER PRIMARY KEY);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 40000)
INSERT INTO n SELECT i FROM c;

INSERT INTO LOCATION_DETAIL
SELECT i, printf('L%03d', i),
       CASE i % 4 WHEN 0 THEN 'Kedai Kopi Ampang ' || i WHEN 1 THEN 'Café Bangsar ' || i
                  WHEN 2 THEN '吉隆坡 分店 ' || i ELSE 'Pâtisserie Mont Kiara ' || i END,
       printf('%d Jalan Ampang', i * 7), CASE WHEN i % 3 = 0 THEN NULL ELSE 'Level ' || (i % 5) END,
       'Kuala Lumpur', 'WP', printf('%05d', 50000 + i * 13), printf('+60-3-%04d %04d', i, i * 3),
       CASE WHEN i = 20 THEN 0 ELSE 1 END, CASE WHEN i % 10 = 0 THEN 1 ELSE 0 END,
       date('2015-01-01', '+' || (i * 97) || ' days'),
       strftime('%Y-%m-%d %H:%M:%f', '2025-09-01', '+' || (i * 3671) || ' seconds'),
       randomblob(8)
FROM n WHERE i <= 20;

INSERT INTO APP_4_ITEM
SELECT i, printf('ITM-%05d', i),
       CASE i % 6 WHEN 0 THEN 'Nasi Lemak Special ' || i WHEN 1 THEN 'Kopi Ó Kosong ' || i
                  WHEN 2 THEN 'Teh Tarik ☕ ' || i WHEN 3 THEN '椰浆饭 套餐 ' || i
                  WHEN 4 THEN 'Ramen 🍜 ' || i ELSE 'Crème brûlée ' || i END,
       CASE i % 5 WHEN 0 THEN 'FOOD' WHEN 1 THEN 'DRINK' WHEN 2 THEN 'DESSERT' WHEN 3 THEN 'RETAIL'
                  ELSE 'SERVICE' END,
       CASE WHEN i % 7 = 0 THEN NULL ELSE 'BRAND' || (i % 13) END,
       CASE WHEN i % 2 = 0 THEN 'PCS' ELSE 'CUP ' END,            -- trailing space kept
       printf('955%010d', i * 7919 % 10000000000),
       printf('%.4f', 1 + (i * 7919 % 500000) / 10000.0),
       printf('%.4f', 0.5 + (i * 104729 % 250000) / 10000.0),
       CASE WHEN i % 5 = 4 THEN '0.0000' ELSE '6.0000' END,
       CASE WHEN i % 50 = 0 THEN 0 ELSE 1 END, CASE WHEN i % 5 = 4 THEN 1 ELSE 0 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 50 + i % 950 END,
       CASE WHEN i % 4 = 0 THEN NULL WHEN i % 4 = 1 THEN ''
            ELSE 'Long description ' || i || ': ' || replace(printf('%.200c', '-'), '-', 'Ünïcødé ') END,
       strftime('%Y-%m-%d %H:%M:%f', '2020-01-01', '+' || (i * 86311) || ' seconds'),
       strftime('%Y-%m-%d %H:%M:%f', '2025-01-01', '+' || (i * 7211) || ' seconds'),
       randomblob(8)
FROM n WHERE i <= 2000;

INSERT INTO APP_4_STOCK
SELECT (l.LOCATION_ID - 1) * 2000 + it.ITEM_ID, it.ITEM_ID, l.LOCATION_ID,
       printf('%.4f', ((it.ITEM_ID * 31 + l.LOCATION_ID * 17) % 5000) / 4.0),
       printf('%.4f', ((it.ITEM_ID + l.LOCATION_ID) % 40) / 8.0),
       CASE WHEN it.ITEM_ID % 9 = 0 THEN NULL ELSE '10.0000' END,
       printf('B%02d-%03d', l.LOCATION_ID, it.ITEM_ID % 500),
       date('2025-01-01', '+' || ((it.ITEM_ID + l.LOCATION_ID) % 300) || ' days'),
       strftime('%Y-%m-%d %H:%M:%f', '2025-10-01', '+' || ((it.ITEM_ID * 13 + l.LOCATION_ID) % 2592000) || ' seconds'),
       randomblob(8)
FROM APP_4_ITEM it CROSS JOIN LOCATION_DETAIL l
WHERE it.ITEM_ID <= 500 AND l.LOCATION_ID <= 10;

-- 31,000 sales over 366 trading days (Oct 2024 .. Oct 2025 without June 2025).
CREATE TEMP TABLE s AS
SELECT i AS id,
       date('2024-10-01', '+' || ((i - 1) * 366 / 31000) || ' days') AS d0,
       (i * 2654435761) % 4294967296 AS h
FROM n WHERE i <= 31000;
UPDATE s SET d0 = date(d0, '+30 days') WHERE d0 >= '2025-06-01';

INSERT INTO APP_4_SALES
SELECT id, printf('S%02d-%08d', 1 + h % 20, id),
       strftime('%Y-%m-%d %H:%M:%f', d0, '+' || (21600 + h % 57600) || ' seconds',
                '+' || printf('%.3f', ((h / 7) % 1000) / 1000.0) || ' seconds'),
       NULL, 1 + h % 20, printf('T%02d', h % 6), printf('C%04d', h % 300),
       CASE h % 3 WHEN 0 THEN 'Aminah binti Ali' WHEN 1 THEN 'Lim Wei Ling' ELSE 'Rajesh Kumar' END,
       CASE WHEN h % 4 = 0 THEN printf('M%07d', h % 90000) ELSE NULL END,
       CASE WHEN h % 4 = 0 THEN CASE h % 5 WHEN 0 THEN 'Siti Nurhaliza' WHEN 1 THEN 'Zoë Chen'
            WHEN 2 THEN '张伟' WHEN 3 THEN 'Ahmad Faisal ' ELSE '' END ELSE NULL END,
       CASE WHEN h % 4 = 0 THEN printf('%016d', h % 9999999999) ELSE NULL END,
       1 + h % 3, CASE h % 3 WHEN 0 THEN 'DINE_IN' WHEN 1 THEN 'TAKEAWAY' ELSE 'DELIVERY' END,
       CASE WHEN h % 3 = 0 THEN printf('%d', 1 + h % 40) ELSE NULL END,
       1 + h % 6, 0,
       '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0',
       CASE WHEN h % 97 = 0 THEN 1 ELSE 0 END, CASE WHEN h % 89 = 0 THEN 1 ELSE 0 END,
       CASE WHEN h % 3 = 2 THEN 1 ELSE 0 END, CASE WHEN h % 4 = 0 THEN 1 ELSE 0 END, 1,
       CASE WHEN h % 1000 = 0 THEN 0 ELSE 1 END, 1 + h % 2,
       'Terima kasih! Thank you! 谢谢', 'MYR', '1.0000',
       CASE WHEN h % 3 = 2 THEN printf('GRAB-%010d', h) ELSE NULL END,
       CASE WHEN h % 5 = 0 THEN NULL WHEN h % 5 = 1 THEN '' WHEN h % 5 = 2 THEN 'no ice  '
            ELSE 'Customer note ' || id || ': ' || replace(printf('%.120c', '-'), '-', 'ab ') END,
       printf('C%04d', h % 300), NULL, NULL, 9000000000 + id, randomblob(8)
FROM s;

-- Month edges: the first sale of each month at exactly midnight on the 1st, the last one in
-- the last millisecond of the month.
UPDATE APP_4_SALES SET DATETIME__SALES_DATE = substr(DATETIME__SALES_DATE, 1, 8) || '01 00:00:00.000'
WHERE SALES_ID IN (SELECT MIN(SALES_ID) FROM APP_4_SALES GROUP BY substr(DATETIME__SALES_DATE, 1, 7));
UPDATE APP_4_SALES
SET DATETIME__SALES_DATE = date(substr(DATETIME__SALES_DATE, 1, 8) || '01', '+1 month', '-1 day') || ' 23:59:59.999'
WHERE SALES_ID IN (SELECT MAX(SALES_ID) FROM APP_4_SALES GROUP BY substr(DATETIME__SALES_DATE, 1, 7));
UPDATE APP_4_SALES SET DATE__BUSINESS_DATE = date(DATETIME__SALES_DATE),
  DATETIME__CREATED = DATETIME__SALES_DATE,
  DATETIME__MODIFIED = strftime('%Y-%m-%d %H:%M:%f', DATETIME__SALES_DATE, '+' || (SALES_ID % 600) || ' seconds');

-- About five items per sale (1..9).
INSERT INTO APP_4_SALESITEM
SELECT sa.SALES_ID * 10 + k.i, sa.SALES_ID, sa.SALES_NO, sa.DATETIME__SALES_DATE, k.i,
       sa.LOCATION_ID, it.ITEM_ID, it.ITEM_CODE, it.ITEM_NAME, it.CATEGORY, it.UOM,
       printf('%.4f', 1 + (sa.SALES_ID + k.i) % 3 + ((sa.SALES_ID * k.i) % 4) * 0.25),
       it.PRICE, it.COST,
       CASE WHEN (sa.SALES_ID + k.i) % 7 = 0 THEN printf('%.4f', it.PRICE * 0.1) ELSE '0.0000' END,
       CASE WHEN (sa.SALES_ID + k.i) % 7 = 0 THEN '10.0000' ELSE '0.0000' END,
       CASE WHEN it.TAX_RATE > 0 THEN 'SST6' ELSE 'ZR' END, it.TAX_RATE,
       '0', '0', '0',
       printf('%.4f', ((sa.SALES_ID * 7 + k.i) % 100) / 100.0),
       CASE WHEN (sa.SALES_ID * k.i) % 211 = 0 THEN 1 ELSE 0 END,
       CASE WHEN (sa.SALES_ID + k.i) % 53 = 0 THEN 1 ELSE 0 END,
       CASE WHEN (sa.SALES_ID + k.i) % 7 = 0 THEN 1 ELSE 0 END, 0,
       CASE WHEN sa.ORDER_TYPE = 'TAKEAWAY' THEN 1 ELSE 0 END,
       CASE WHEN (sa.SALES_ID + k.i) % 7 = 0 THEN 'PROMO10' ELSE NULL END,
       CASE WHEN k.i = 1 THEN sa.CASHIER_ID ELSE NULL END,
       CASE (sa.SALES_ID + k.i) % 6 WHEN 0 THEN 'kurang manis' WHEN 1 THEN '少冰 less ice'
            WHEN 2 THEN '' ELSE NULL END,
       CASE WHEN sa.PAX > 1 THEN 1 + k.i % sa.PAX ELSE NULL END, 1 + k.i / 4, 1,
       CASE WHEN it.CATEGORY = 'RETAIL' THEN printf('SN%012d', sa.SALES_ID * 10 + k.i) ELSE NULL END,
       CASE WHEN it.CATEGORY = 'RETAIL' THEN printf('B%06d', it.ITEM_ID) ELSE NULL END,
       CASE WHEN it.CATEGORY = 'RETAIL' THEN date(sa.DATE__BUSINESS_DATE, '+365 days') ELSE NULL END,
       NULL, sa.CREATED_BY, sa.DATETIME__CREATED, sa.DATETIME__MODIFIED,
       sa.GLOBAL_SEQ * 10 + k.i, randomblob(8)
FROM APP_4_SALES sa
JOIN n k ON k.i <= 1 + (sa.SALES_ID * 7 + sa.SALES_ID / 3) % 9
JOIN APP_4_ITEM it ON it.ITEM_ID = 1 + (sa.SALES_ID * 31 + k.i * 17) % 2000;

UPDATE APP_4_SALESITEM SET
  LINE_TOTAL = printf('%.4f', QTY * UNIT_PRICE - DISCOUNT_AMOUNT),
  TAX_AMOUNT = printf('%.4f', round((QTY * UNIT_PRICE - DISCOUNT_AMOUNT) * TAX_RATE / 100.0, 4)),
  NET_AMOUNT = printf('%.4f', QTY * UNIT_PRICE - DISCOUNT_AMOUNT);

-- Sales totals from their items.
CREATE TEMP TABLE t AS
SELECT SALES_ID, COUNT(*) AS c, SUM(QTY * UNIT_PRICE) AS sub, SUM(DISCOUNT_AMOUNT) AS disc,
       SUM(TAX_AMOUNT) AS tax, SUM(QTY * UNIT_COST) AS cost
FROM APP_4_SALESITEM GROUP BY SALES_ID;
CREATE UNIQUE INDEX t_id ON t(SALES_ID);
UPDATE APP_4_SALES SET
  ITEM_COUNT = (SELECT c FROM t WHERE t.SALES_ID = APP_4_SALES.SALES_ID),
  SUBTOTAL = (SELECT printf('%.4f', sub) FROM t WHERE t.SALES_ID = APP_4_SALES.SALES_ID),
  DISCOUNT_AMOUNT = (SELECT printf('%.4f', disc) FROM t WHERE t.SALES_ID = APP_4_SALES.SALES_ID),
  TAX_AMOUNT = (SELECT printf('%.4f', tax) FROM t WHERE t.SALES_ID = APP_4_SALES.SALES_ID),
  COST_AMOUNT = (SELECT printf('%.4f', cost) FROM t WHERE t.SALES_ID = APP_4_SALES.SALES_ID),
  SERVICE_CHARGE = CASE WHEN ORDER_TYPE = 'DINE_IN' THEN
    (SELECT printf('%.4f', round((sub - disc) * 0.1, 2)) FROM t WHERE t.SALES_ID = APP_4_SALES.SALES_ID) ELSE '0.0000' END;
UPDATE APP_4_SALES SET
  GRAND_TOTAL = printf('%.4f', SUBTOTAL - DISCOUNT_AMOUNT + TAX_AMOUNT + SERVICE_CHARGE),
  ROUNDING_ADJ = printf('%.4f', -((SUBTOTAL - DISCOUNT_AMOUNT + TAX_AMOUNT + SERVICE_CHARGE) * 100 % 5) / 100.0),
  DISCOUNT_PERCENT = CASE WHEN SUBTOTAL > 0 THEN printf('%.4f', DISCOUNT_AMOUNT * 100.0 / SUBTOTAL) ELSE '0.0000' END,
  POINTS_EARNED = CASE WHEN IS_MEMBER = 1 THEN printf('%.4f', SUBTOTAL / 10.0) ELSE '0.0000' END;
UPDATE APP_4_SALES SET
  PAID_AMOUNT = printf('%.4f', ((CAST(GRAND_TOTAL AS INTEGER) / 10) + 1) * 10),
  CHANGE_AMOUNT = printf('%.4f', ((CAST(GRAND_TOTAL AS INTEGER) / 10) + 1) * 10 - GRAND_TOTAL);

INSERT INTO APP_4_PAYMENT
SELECT SALES_ID * 2 + k.i, SALES_ID, SALES_NO,
       strftime('%Y-%m-%d %H:%M:%f', DATETIME__SALES_DATE, '+' || (k.i - 1) || ' seconds'),
       CASE (SALES_ID + k.i) % 4 WHEN 0 THEN 'CASH' WHEN 1 THEN 'VISA' WHEN 2 THEN 'TNG_EWALLET'
            ELSE 'DUITNOW_QR' END,
       CASE WHEN k.i = 1 AND SALES_ID % 5 = 0 THEN printf('%.4f', GRAND_TOTAL / 2)
            WHEN SALES_ID % 5 = 0 THEN printf('%.4f', GRAND_TOTAL - GRAND_TOTAL / 2) ELSE GRAND_TOTAL END,
       CASE WHEN (SALES_ID + k.i) % 4 = 0 THEN PAID_AMOUNT ELSE NULL END,
       CASE WHEN (SALES_ID + k.i) % 4 = 1 THEN printf('%04d', SALES_ID % 10000) ELSE NULL END,
       CASE WHEN (SALES_ID + k.i) % 4 IN (1, 2, 3) THEN printf('AP%08d', SALES_ID) ELSE NULL END,
       IS_VOID, randomblob(8)
FROM APP_4_SALES JOIN n k ON k.i <= CASE WHEN SALES_ID % 5 = 0 THEN 2 ELSE 1 END;

INSERT INTO APP_4_VOIDSALESITEM
SELECT SALESITEM_ID, SALES_ID, ITEM_ID,
       strftime('%Y-%m-%d %H:%M:%f', DATETIME__SALES_DATE, '+45 seconds'), QTY, LINE_TOTAL,
       CASE SALESITEM_ID % 3 WHEN 0 THEN 'Salah order' WHEN 1 THEN 'Customer changed mind'
            ELSE '顾客取消' END, SALESPERSON_ID, randomblob(8)
FROM APP_4_SALESITEM WHERE IS_VOID = 1;

INSERT INTO APP_4_SALESCREDITNOTE
SELECT SALES_ID, printf('CN-%08d', SALES_ID), SALES_ID,
       strftime('%Y-%m-%d %H:%M:%f', DATETIME__SALES_DATE, '+2 days'), LOCATION_ID, GRAND_TOTAL,
       TAX_AMOUNT, CASE WHEN SALES_ID % 2 = 0 THEN 'Barang rosak' ELSE 'Refund — wrong item' END,
       0, randomblob(8)
FROM APP_4_SALES WHERE IS_REFUND = 1;

INSERT INTO APP_4_SALESCREDITNOTEITEM
SELECT si.SALESITEM_ID, cn.CREDITNOTE_ID, cn.DATETIME__CREDITNOTE_DATE, si.ITEM_ID, si.QTY,
       si.UNIT_PRICE, si.LINE_TOTAL, randomblob(8)
FROM APP_4_SALESCREDITNOTE cn JOIN APP_4_SALESITEM si ON si.SALES_ID = cn.SALES_ID;

INSERT INTO APP_4_SALESDEBITNOTE
SELECT SALES_ID, printf('DN-%08d', SALES_ID), SALES_ID,
       strftime('%Y-%m-%d %H:%M:%f', DATETIME__SALES_DATE, '+1 days'), LOCATION_ID,
       printf('%.4f', GRAND_TOTAL * 0.05), '0.0000', 'Price adjustment', 0, randomblob(8)
FROM APP_4_SALES WHERE SALES_ID % 151 = 0;

INSERT INTO APP_4_SALESDEBITNOTEITEM
SELECT si.SALESITEM_ID, dn.DEBITNOTE_ID, dn.DATETIME__DEBITNOTE_DATE, si.ITEM_ID, si.QTY,
       si.UNIT_PRICE, printf('%.4f', si.LINE_TOTAL * 0.05), randomblob(8)
FROM APP_4_SALESDEBITNOTE dn JOIN APP_4_SALESITEM si ON si.SALES_ID = dn.SALES_ID;

INSERT INTO APP_4_EPAYMENTLOG
SELECT PAYMENT_ID, SALES_ID, strftime('%Y-%m-%d %H:%M:%f', DATETIME__PAYMENT_DATE, '-3 seconds'),
       PAYMENT_METHOD, printf('REQ-%012d', PAYMENT_ID),
       CASE WHEN PAYMENT_ID % 41 = 0 THEN 'DECLINED' ELSE 'APPROVED' END, AMOUNT,
       '{"id":"' || PAYMENT_ID || '","amount":"' || AMOUNT || '","note":"terima kasih ✓"}',
       randomblob(8)
FROM APP_4_PAYMENT WHERE PAYMENT_METHOD IN ('TNG_EWALLET', 'DUITNOW_QR');

INSERT INTO APP_4_VOUCHER
SELECT SALES_ID, printf('V%09d', SALES_ID), DATE__BUSINESS_DATE,
       date(DATE__BUSINESS_DATE, '+90 days'), '10.0000',
       CASE WHEN SALES_ID % 3 = 0 THEN '0.0000' ELSE '10.0000' END,
       CASE WHEN SALES_ID % 3 = 0 THEN 1 ELSE 0 END, CUSTOMER_NAME, randomblob(8)
FROM APP_4_SALES WHERE IS_MEMBER = 1 AND SALES_ID % 4 = 0;

-- Keep every dated row inside the demo range, so that copying 2024-10-01..2025-10-31 copies
-- every row and a whole-table comparison is exact.
DELETE FROM APP_4_PAYMENT WHERE DATETIME__PAYMENT_DATE >= '2025-11-01';
DELETE FROM APP_4_EPAYMENTLOG WHERE DATETIME__LOG_DATE >= '2025-11-01' OR DATETIME__LOG_DATE < '2024-10-01';
DELETE FROM APP_4_SALESCREDITNOTE WHERE DATETIME__CREDITNOTE_DATE >= '2025-11-01';
DELETE FROM APP_4_SALESCREDITNOTEITEM WHERE DATETIME__CREDITNOTE_DATE >= '2025-11-01';
DELETE FROM APP_4_SALESDEBITNOTE WHERE DATETIME__DEBITNOTE_DATE >= '2025-11-01';
DELETE FROM APP_4_SALESDEBITNOTEITEM WHERE DATETIME__DEBITNOTE_DATE >= '2025-11-01';
DELETE FROM APP_4_VOIDSALESITEM WHERE DATETIME__VOID_DATE >= '2025-11-01';

COMMIT;
