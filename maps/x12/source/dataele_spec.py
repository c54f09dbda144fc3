"""Data element dictionary: X12 004010 with 005010 overrides."""

DE_4010 = """
2 N0 1 6 Number of Accepted Transaction Sets
19 AN 2 30 City Name
22 AN 1 30 Commodity Code
23 ID 1 1 Commodity Code Qualifier
24 ID 4 4 Equipment Type
26 ID 2 3 Country Code
28 N0 1 9 Group Control Number
40 ID 2 2 Equipment Description Code
54 ID 2 2 Risk of Loss Code
65 R 1 8 Height
66 ID 1 2 Identification Code Qualifier
67 AN 2 80 Identification Code
76 AN 1 22 Invoice Number
79 AN 1 50 Lading Description
80 N0 1 7 Lading Quantity
81 R 1 10 Weight
82 R 1 8 Length
87 AN 1 48 Marks and Numbers
88 ID 1 2 Marks and Numbers Qualifier
91 ID 1 2 Transportation Method/Type Code
92 ID 2 2 Purchase Order Type Code
93 AN 1 60 Name
96 N0 1 10 Number of Included Segments
97 N0 1 6 Number of Transaction Sets Included
98 ID 2 3 Entity Identifier Code
100 ID 3 3 Currency Code
102 ID 1 1 Ownership Code
103 AN 3 5 Packaging Code
107 ID 1 2 Payment Method Code
116 ID 3 15 Postal Code
118 R 1 9 Rate
123 N0 1 6 Number of Received Transaction Sets
124 AN 2 15 Application Receiver's Code
127 AN 1 30 Reference Identification
128 ID 2 3 Reference Identification Qualifier
133 ID 1 2 Routing Sequence Code
140 ID 2 4 Standard Carrier Alpha Code
142 AN 2 15 Application Sender's Code
143 ID 3 3 Transaction Set Identifier Code
146 ID 2 2 Shipment Method of Payment
152 ID 2 3 Special Handling Code
156 ID 2 2 State or Province Code
166 AN 1 55 Address Information
183 R 1 8 Volume
187 ID 1 2 Weight Qualifier
189 R 1 8 Width
206 AN 1 4 Equipment Initial
207 AN 1 10 Equipment Number
208 ID 1 1 Hazardous Material Code Qualifier
209 AN 2 10 Hazardous Material Class Code
212 R 1 17 Unit Price
225 AN 2 15 Seal Number
234 AN 1 48 Product/Service ID
235 ID 2 2 Product/Service ID Qualifier
248 ID 1 1 Allowance or Charge Indicator
280 R 4 10 Exchange Rate
284 ID 1 2 Service Level Code
306 ID 1 2 Action Code
309 ID 1 2 Location Qualifier
310 AN 1 30 Location Identifier
324 AN 1 22 Purchase Order Number
325 AN 1 20 Tax Identification Number
326 AN 1 45 Request Reference Number
327 AN 1 8 Change Order Sequence Number
328 AN 1 30 Release Number
329 AN 4 9 Transaction Set Control Number
330 R 1 15 Quantity Ordered
331 ID 2 2 Allowance or Charge Method of Handling Code
332 R 1 6 Percent, Decimal Format
333 ID 1 2 Terms Basis Date Code
334 ID 2 2 Transportation Terms Qualifier Code
335 ID 3 3 Transportation Terms Code
336 ID 2 2 Terms Type Code
337 TM 4 8 Time
338 R 1 6 Terms Discount Percent
342 R 1 5 Percent of Invoice Payable
347 R 1 10 Hash Total
349 ID 1 1 Item Description Type
350 AN 1 20 Assigned Identification
351 N0 1 3 Terms Discount Days Due
352 AN 1 80 Description
353 ID 2 2 Transaction Set Purpose Code
354 N0 1 6 Number of Line Items
355 ID 2 2 Unit or Basis for Measurement Code
356 N0 1 6 Pack
357 R 1 8 Size
358 R 1 10 Quantity Invoiced
362 N2 1 10 Terms Discount Amount
363 ID 3 3 Note Reference Code
364 AN 1 80 Communication Number
365 ID 2 2 Communication Number Qualifier
366 ID 2 2 Contact Function Code
367 AN 1 30 Contract Number
368 ID 2 2 Shipment/Order Status Code
369 AN 1 45 Free-form Description
370 DT 8 8 Terms Discount Due Date
373 DT 8 8 Date
374 ID 3 3 Date/Time Qualifier
378 ID 1 1 Allowance/Charge Percent Qualifier
380 R 1 15 Quantity
382 R 1 10 Number of Units Shipped
384 R 1 9 Gross Weight per Pack
385 R 1 9 Gross Volume per Pack
386 N0 1 3 Terms Net Days
387 AN 1 35 Routing
388 DT 8 8 Terms Deferred Due Date
389 N2 1 10 Deferred Amount Due
396 AN 2 30 Shipment Identification
400 ID 1 2 Unit Load Option Code
407 ID 1 2 Temperature Control
441 ID 1 1 Tax Exempt Code
443 AN 1 20 Contact Inquiry Reference
446 DT 8 8 Terms Net Due Date
447 AN 1 4 Loop Identifier Code
455 ID 1 2 Responsible Agency Code
478 ID 1 1 Credit/Debit Flag Code
479 ID 2 2 Functional Identifier Code
480 AN 1 12 Version / Release / Industry Identifier Code
508 AN 1 35 Account Number
522 ID 1 3 Amount Qualifier Code
559 ID 2 2 Agency Qualifier Code
560 ID 2 10 Special Services Code
563 ID 1 2 Sales Requirement Code
566 ID 1 2 Product/Service Substitution Code
587 ID 2 2 Acknowledgment Type
610 N2 1 15 Amount
623 ID 2 2 Time Code
628 AN 1 12 Hierarchical ID Number
639 ID 2 2 Basis of Unit Price Code
640 ID 2 2 Transaction Type Code
641 ID 3 3 Status Reason Code
646 R 1 15 Quantity Shipped to Date
649 R 1 10 Multiplier
662 ID 1 1 Relationship Code
668 ID 2 2 Line Item Status Code
669 ID 3 3 Currency Market/Exchange Code
706 ID 2 2 Entity Relationship Code
715 ID 1 1 Functional Group Acknowledge Code
716 ID 1 3 Functional Group Syntax Error Code
717 ID 1 1 Transaction Set Acknowledgment Code
718 ID 1 3 Transaction Set Syntax Error Code
719 N0 1 6 Segment Position in Transaction Set
720 ID 1 3 Segment Syntax Error Code
721 ID 2 3 Segment ID Code
722 N0 1 2 Element Position in Segment
723 ID 1 3 Data Element Syntax Error Code
724 AN 1 99 Copy of Bad Data Element
725 N0 1 4 Data Element Reference Number
728 ID 1 2 Returnable Container Load Make-Up Code
731 ID 1 2 Transit Direction Code
732 ID 2 2 Transit Time Direction Qualifier
733 R 1 4 Transit Time
734 AN 1 12 Hierarchical Parent ID Number
735 ID 1 2 Hierarchical Level Code
736 ID 1 1 Hierarchical Child Code
737 ID 2 2 Measurement Reference ID Code
738 ID 1 3 Measurement Qualifier
739 R 1 20 Measurement Value
740 R 1 20 Range Minimum
741 R 1 20 Range Maximum
750 ID 2 3 Product/Process Characteristic Code
751 AN 1 12 Product Description Code
752 ID 2 2 Surface/Layer/Position Code
753 ID 2 2 Packaging Characteristic Code
754 AN 1 7 Packaging Description Code
755 ID 2 2 Report Type Code
756 ID 1 2 Report Transmission Code
757 N0 1 2 Report Copies Needed
765 N0 1 2 Day of Month
770 AN 1 20 Option Number
782 R 1 18 Monetary Amount
786 ID 2 2 Security Level Code
810 N0 1 6 Inner Pack
819 ID 2 3 Language Code
822 AN 1 15 Source Subqualifier
828 R 1 9 Dollar Basis For Percent
933 AN 1 264 Free-Form Message Text
934 ID 2 2 Printer Carriage Control Code
935 ID 1 2 Measurement Significance Code
936 ID 2 2 Measurement Attribute Code
954 R 1 10 Percent
955 ID 2 2 Tax Jurisdiction Code Qualifier
956 AN 1 10 Tax Jurisdiction Code
963 ID 2 2 Tax Type Code
1004 ID 1 2 Percent Qualifier
1005 ID 4 4 Hierarchical Structure Code
1018 R 1 15 Exponent
1019 ID 3 3 Invoice Type Code
1073 ID 1 1 Yes/No Condition or Response Code
1166 ID 2 2 Contract Type Code
1232 ID 2 2 Purchase Category
1250 ID 2 3 Date Time Period Format Qualifier
1251 AN 1 35 Date Time Period
1271 AN 1 30 Industry Code
1300 ID 4 4 Service, Promotion, Allowance, or Charge Code
1301 AN 1 10 Agency Service, Promotion, Allowance, or Charge Code
1373 ID 2 4 Measurement Method or Device
1470 N0 1 9 Number
1528 N0 1 2 Component Data Element Position in Composite
I01 ID 2 2 Authorization Information Qualifier
I02 AN 10 10 Authorization Information
I03 ID 2 2 Security Information Qualifier
I04 AN 10 10 Security Information
I05 ID 2 2 Interchange ID Qualifier
I06 AN 15 15 Interchange Sender ID
I07 AN 15 15 Interchange Receiver ID
I08 DT 6 6 Interchange Date
I09 TM 4 4 Interchange Time
I10 ID 1 1 Interchange Control Standards Identifier
I11 ID 5 5 Interchange Control Version Number
I12 N0 9 9 Interchange Control Number
I13 ID 1 1 Acknowledgment Requested
I14 ID 1 1 Usage Indicator
I15 AN 1 1 Component Element Separator
I16 N0 1 5 Number of Included Functional Groups
I17 ID 1 1 Interchange Acknowledgment Code
I18 ID 3 3 Interchange Note Code
"""

# 005010 lengths that differ from 004010, and elements new in 005010.
DE_5010_OVERRIDES = """
127 AN 1 50 Reference Identification
358 R 1 15 Quantity Invoiced
364 AN 1 256 Communication Number
719 N0 1 10 Segment Position in Transaction Set
618 ID 1 3 Implementation Transaction Set Syntax Error Code
620 ID 1 3 Implementation Segment Syntax Error Code
621 ID 1 3 Implementation Data Element Syntax Error Code
1686 N0 1 4 Repeating Data Element Position
1705 AN 1 35 Implementation Convention Reference
1715 ID 1 3 Country Subdivision Code
9998 AN 1 35 Context Reference
9999 AN 1 35 Context Name
I65 AN 1 1 Repetition Separator
"""


def parse(text: str) -> dict[str, tuple[str, int, int, str]]:
    out = {}
    for line in text.strip().splitlines():
        num, typ, mn, mx, name = line.split(None, 4)
        out[num] = (typ, int(mn), int(mx), name)
    return out


def dataele(version: str) -> dict[str, tuple[str, int, int, str]]:
    d = parse(DE_4010)
    if version == "005010":
        d.update(parse(DE_5010_OVERRIDES))
    return d
