"""OCR service: reads ticket photos (``shared.ocr_api.OcrJob``) with tesseract and publishes
what it read (``TicketRead``) into the user's update partition."""
